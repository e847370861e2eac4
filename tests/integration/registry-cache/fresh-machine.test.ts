// The headline: a build seeds a registry with --cache-to; a "fresh machine" (empty cache, new volume prefix) gets the same ISO with --cache-from and compiles nothing.
import { createHash, randomBytes } from "node:crypto";
import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import { explain, runCli } from "../../helpers/cli.js";
import type { CliResult } from "../../helpers/cli.js";
import { copyProject } from "../../helpers/project-copy.js";
import type { ProjectCopy } from "../../helpers/project-copy.js";
import { freePort, startRegistry } from "../../helpers/registry.js";
import type { StartedRegistry } from "../../helpers/registry.js";

const BUILD = ["build", "--minimal", "--profile", "offline", "--plain"];
// The seeding build takes what the shared cache has (after the e2e tests: everything); cold, it compiles.
const SEED_TIMEOUT = 1_800_000;

let registry: StartedRegistry;
let seed: ProjectCopy;
let repo: string;
let auth: Record<string, string>;
let seeded: CliResult;
const disposables: ProjectCopy[] = [];

beforeAll(async () => {
  registry = await startRegistry({ htpasswd: true });
  repo = `${registry.host}/levitate/cache`;
  auth = { LEVITATE_REGISTRY_AUTH: `${registry.credentials!.username}:${registry.credentials!.password}` };
  seed = await copyProject("cache-seed", { sharedCache: true });
  seeded = await runCli([...BUILD, "--cache-to", repo], { env: { ...seed.env, ...auth } });
}, SEED_TIMEOUT);

afterAll(async () => {
  await registry?.stop();
  for (const copy of [seed, ...disposables]) await copy?.dispose();
});

async function freshMachine(label: string): Promise<ProjectCopy & { prefix: string }> {
  const copy = await copyProject(label);
  disposables.push(copy);
  return { ...copy, prefix: `lv12t${randomBytes(3).toString("hex")}` };
}

const sha256 = async (file: string) => createHash("sha256").update(await readFile(file)).digest("hex");

/** The artifact directory of a stage in a cache root (exactly one key per stage in a fresh cache). */
async function artifactDir(cache: string, stage: string): Promise<string> {
  const keys = (await readdir(join(cache, "artifacts", stage))).filter((name) => !name.startsWith("."));
  expect(keys).toHaveLength(1);
  return join(cache, "artifacts", stage, keys[0]!);
}

/** A fresh cache that already holds busybox (copied from the seed), so `build initramfs` runs only on the host. */
async function withBusybox(copy: ProjectCopy): Promise<void> {
  const dir = await seedArtifact("busybox");
  await cp(dir, join(copy.cache, "artifacts", "busybox", basename(dir)), { recursive: true });
}

describe("registry cache, end to end (distribution 2.8 with htpasswd)", () => {
  it(
    "a fresh machine with --cache-from gets a byte-identical ISO without running any stage",
    async () => {
      expect(seeded.exitCode, explain(seeded)).toBe(0);
      expect(seeded.stderr).toMatch(new RegExp(`cache: exported to ${repo}: `));

      const fresh = await freshMachine("cache-fresh");
      const pulled = await runCli([...BUILD, "--cache-from", repo], { env: { ...fresh.env, ...auth, LEVITATE_VOLUME_PREFIX: fresh.prefix } });
      expect(pulled.exitCode, explain(pulled)).toBe(0);
      for (const stage of ["busybox", "initramfs", "linux", "grub", "iso"]) {
        expect(pulled.stderr, explain(pulled)).toMatch(new RegExp(`${stage}: done in [^:]+: pulled from cache \\(\\d+\\.\\d MiB in \\d+\\.\\ds\\)`));
      }
      expect(pulled.stderr).toMatch(/pulled 5 stages from cache in/);
      expect(await sha256(join(fresh.out, "levitate.iso"))).toBe(await sha256(join(seed.out, "levitate.iso")));
      // Nothing ran in a container: no stage log, no work, source or ccache volume under the new prefix.
      expect(await readdir(join(fresh.out, "logs")).catch(() => [])).toEqual([]);
      const volumes = await createEngine().volumes.list({});
      expect(volumes.map((v) => v.name).filter((name) => name.startsWith(fresh.prefix))).toEqual([]);

      // A second export sends nothing new; the pulled artifacts are complete, local ones now.
      const again = await runCli([...BUILD, "--cache-to", repo], { env: { ...fresh.env, ...auth, LEVITATE_VOLUME_PREFIX: fresh.prefix } });
      expect(again.exitCode, explain(again)).toBe(0);
      expect(again.stderr).toMatch(/up to date in/);
      expect(again.stderr).toMatch(new RegExp(`cache: exported to ${repo}: nothing new; already there: busybox, initramfs, linux, grub, iso`));
    },
    SEED_TIMEOUT,
  );

  it("a registry that is down, or a wrong password, is a warning and the stage is built instead", async () => {
    expect(seeded.exitCode, explain(seeded)).toBe(0);
    const down = await freshMachine("cache-down");
    await withBusybox(down);
    const port = await freePort();
    const noRegistry = await runCli([...BUILD, "initramfs", "--cache-from", `127.0.0.1:${port}/levitate/cache`], { env: { ...down.env, LEVITATE_VOLUME_PREFIX: down.prefix } });
    expect(noRegistry.exitCode, explain(noRegistry)).toBe(0);
    expect(noRegistry.stderr).toContain(
      `warning: cache: registry 127.0.0.1:${port}/levitate/cache: reading the manifest initramfs-`,
    );
    expect(noRegistry.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused \(is the registry running\?\); building without the registry cache/);
    expect(noRegistry.stderr).toMatch(/built 1 stage in/);

    const wrong = await freshMachine("cache-wrong-password");
    await withBusybox(wrong);
    const refused = await runCli([...BUILD, "initramfs", "--cache-from", repo], {
      env: { ...wrong.env, LEVITATE_REGISTRY_AUTH: "levitate:wrong-password", LEVITATE_VOLUME_PREFIX: wrong.prefix },
    });
    expect(refused.exitCode, explain(refused)).toBe(0);
    expect(refused.stderr).toMatch(/warning: cache: registry [^ ]+: reading the manifest initramfs-[0-9a-f]{64}: the registry refused the credentials of user 'levitate' from LEVITATE_REGISTRY_AUTH/);
    expect(refused.stderr + refused.stdout).not.toContain("wrong-password");
    expect(refused.stderr).toMatch(/built 1 stage in/);
  });

  it("a tampered blob is refused, nothing of it is kept, and the stage is built instead (to the same bytes)", async () => {
    expect(seeded.exitCode, explain(seeded)).toBe(0);
    const initramfs = join(await seedArtifact("initramfs"), "initramfs.cpio.gz");
    const hex = await sha256(initramfs);
    const blob = join(registry.storage, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    const original = await readFile(blob);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 9] = damaged[damaged.length - 9]! ^ 0xff;
    await writeFile(blob, damaged);
    try {
      const tampered = await freshMachine("cache-tampered");
      await withBusybox(tampered);
      const result = await runCli([...BUILD, "initramfs", "--cache-from", repo], { env: { ...tampered.env, ...auth, LEVITATE_VOLUME_PREFIX: tampered.prefix } });
      expect(result.exitCode, explain(result)).toBe(0);
      expect(result.stderr).toContain(`initramfs/initramfs.cpio.gz does not match its digest: expected sha256:${hex}`);
      expect(result.stderr).toMatch(/; building initramfs instead/);
      expect(result.stderr).toMatch(/built 1 stage in/);
      expect(await sha256(join(await artifactDir(tampered.cache, "initramfs"), "initramfs.cpio.gz"))).toBe(hex);
    } finally {
      await writeFile(blob, original);
    }
  });
});

/** The seed build's artifact of a stage, found through its out/metadata.json (the shared cache holds several keys). */
async function seedArtifact(stage: string): Promise<string> {
  const meta = JSON.parse(await readFile(join(seed.out, "metadata.json"), "utf8")) as { stages: { name: string; key: string }[] };
  return join(seed.cache, "artifacts", stage, meta.stages.find((s) => s.name === stage)!.key);
}
