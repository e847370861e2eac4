// The registry client and stage artifacts against a real distribution 2.8: push, pull, verify, and every refusal named.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlannedStage } from "../../../orchestrator/plan/plan.js";
import { clientFor } from "../../../orchestrator/remote-cache/remote-cache.js";
import { parseRepository } from "../../../orchestrator/util/repository-reference.js";
import { RegistryError } from "../../../orchestrator/remote-cache/registry-error.js";
import { pullStage, pushStage } from "../../../orchestrator/remote-cache/stage-cache.js";
import { ArtifactStore } from "../../../orchestrator/artifacts/artifact-store.js";
import { invocationsFor } from "../../../orchestrator/stages/table.js";
import { configFixture } from "../../helpers/config-fixture.js";
import { freePort, startRegistry } from "../../helpers/registry.js";
import type { StartedRegistry } from "../../helpers/registry.js";

const CONTEXT = { toolchain: "levitate/toolchain:test", toolVersion: "0.0.0-test" };
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "levitate-stage-cache-"));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

function planned(name: "busybox" | "linux", key: string): PlannedStage {
  const invocation = invocationsFor(configFixture(), "minimal", "/levitate").find((i) => i.name === name)!;
  return { name, where: "container", needs: [], key, inputs: { "test:key": key }, invocation, action: "run", reasons: ["test"] };
}

/** A store in its own cache root holding one artifact with an executable and a data file. */
async function storeWithArtifact(label: string, key: string): Promise<{ store: ArtifactStore; dir: string }> {
  const store = new ArtifactStore(join(scratch, label), join(scratch, `${label}.yaml`), "minimal");
  const dir = await store.commit(
    "busybox",
    key,
    { "test:key": key },
    async (into) => {
      await writeFile(join(into, "busybox"), Buffer.alloc(300_000, 7));
      await chmod(join(into, "busybox"), 0o755);
      await writeFile(join(into, "applets.txt"), `bin/sh\nbin/ls\n${key}\n`);
    },
    Date.now(),
  );
  return { store, dir };
}

const emptyStore = (label: string) => new ArtifactStore(join(scratch, label), join(scratch, `${label}.yaml`), "minimal");
const keyFor = (label: string) => createHash("sha256").update(label).digest("hex");

async function sameFiles(a: string, b: string): Promise<void> {
  for (const name of ["busybox", "applets.txt"]) {
    expect(await readFile(join(b, name)), name).toEqual(await readFile(join(a, name)));
    expect((await stat(join(b, name))).mode & 0o777, name).toBe((await stat(join(a, name))).mode & 0o777);
  }
}

describe("anonymous registry", () => {
  let registry: StartedRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry.stop());

  it("pushes an artifact once, pulls it into another store byte for byte, and misses an unknown key", async () => {
    const key = keyFor("roundtrip");
    const { dir } = await storeWithArtifact("seed", key);
    const client = clientFor(parseRepository(`${registry.host}/levitate/cache`), {}, { push: true });
    expect(await pushStage(client, { stage: "busybox", key, dir }, CONTEXT)).toMatchObject({ pushed: true });
    expect(await pushStage(client, { stage: "busybox", key, dir }, CONTEXT)).toEqual({ pushed: false, bytes: 0 });

    const fresh = emptyStore("fresh");
    const pulled = await pullStage(clientFor(parseRepository(`${registry.host}/levitate/cache`), {}), planned("busybox", key), fresh);
    expect(pulled?.dir).toBe(fresh.dir("busybox", key));
    expect(pulled?.bytes).toBe(300_000 + (await stat(join(dir, "applets.txt"))).size);
    expect(fresh.has("busybox", key)).toBe(true);
    await sameFiles(dir, pulled!.dir);

    expect(await pullStage(client, planned("busybox", keyFor("never pushed")), fresh)).toBeNull();
  });

  it("refuses a tampered blob and keeps nothing of the artifact", async () => {
    const key = keyFor("tampered");
    const { dir } = await storeWithArtifact("tamper-seed", key);
    const client = clientFor(parseRepository(`${registry.host}/levitate/tamper`), {}, { push: true });
    await pushStage(client, { stage: "busybox", key, dir }, CONTEXT);
    // Flip the stored bytes of applets.txt behind the registry's back (same size).
    const hex = createHash("sha256").update(await readFile(join(dir, "applets.txt"))).digest("hex");
    const blob = join(registry.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    const original = await readFile(blob);
    await writeFile(blob, Buffer.from(original.toString().replace("bin/sh", "bin/xx")));

    const fresh = emptyStore("tamper-fresh");
    const error = await pullStage(client, planned("busybox", key), fresh).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).failure).toBe("digest");
    expect((error as RegistryError).message).toBe(
      `registry ${registry.host}/levitate/tamper: busybox/applets.txt does not match its digest: expected sha256:${hex} (${original.length} bytes), got sha256:${createHash("sha256").update(Buffer.from(original.toString().replace("bin/sh", "bin/xx"))).digest("hex")} (${original.length} bytes)`,
    );
    expect(fresh.has("busybox", key)).toBe(false);
    expect(await readdir(join(fresh.cacheRoot, "artifacts", "busybox")).catch(() => [])).toEqual([]);
  });
});

describe("htpasswd registry", () => {
  let registry: StartedRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: true });
  });
  afterAll(() => registry.stop());

  it("works with the right password from LEVITATE_REGISTRY_AUTH or ~/.docker/config.json", async () => {
    const key = keyFor("auth");
    const { dir } = await storeWithArtifact("auth-seed", key);
    const { username, password } = registry.credentials!;
    const env = { LEVITATE_REGISTRY_AUTH: `${username}:${password}` };
    expect(await pushStage(clientFor(parseRepository(`${registry.host}/levitate/auth`), env, { push: true }), { stage: "busybox", key, dir }, CONTEXT)).toMatchObject({ pushed: true });

    const dockerConfig = join(scratch, "docker-config");
    await rm(dockerConfig, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(dockerConfig));
    await writeFile(join(dockerConfig, "config.json"), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } } }));
    const fresh = emptyStore("auth-fresh");
    const pulled = await pullStage(clientFor(parseRepository(`${registry.host}/levitate/auth`), { DOCKER_CONFIG: dockerConfig }), planned("busybox", key), fresh);
    await sameFiles(dir, pulled!.dir);
  });

  it("says the registry wants credentials when there are none, and names the user (never the password) when refused", async () => {
    const repo = parseRepository(`${registry.host}/levitate/auth`);
    const none = await clientFor(repo, { DOCKER_CONFIG: join(scratch, "nowhere") }).hasManifest("x").catch((e: unknown) => e as RegistryError);
    expect((none as RegistryError).failure).toBe("auth");
    expect((none as RegistryError).message).toBe(`registry ${registry.host}/levitate/auth: looking up x: the registry wants credentials and none were found for ${registry.host}`);

    const wrong = await clientFor(repo, { LEVITATE_REGISTRY_AUTH: "levitate:not-the-password" }).hasManifest("x").catch((e: unknown) => e as RegistryError);
    expect((wrong as RegistryError).failure).toBe("auth");
    expect((wrong as RegistryError).message).toMatch(new RegExp(`^registry ${registry.host}/levitate/auth: looking up x: the registry refused the credentials of user 'levitate' from LEVITATE_REGISTRY_AUTH`));
    expect((wrong as RegistryError).message).not.toContain("not-the-password");
  });
});

describe("a registry that is down", () => {
  it("is a network error naming the registry and the reason", async () => {
    const port = await freePort();
    const error = await clientFor(parseRepository(`127.0.0.1:${port}/levitate/cache`), {}).hasManifest("x").catch((e: unknown) => e as RegistryError);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).failure).toBe("network");
    expect((error as RegistryError).message).toBe(
      `registry 127.0.0.1:${port}/levitate/cache: looking up x: cannot reach http://127.0.0.1:${port}: connection refused (is the registry running?)`,
    );
    expect(existsSync(join(scratch, "never"))).toBe(false);
  });
});
