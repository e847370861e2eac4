// Tool images through the engine: pushed to the cache repository under a tag the tool computes, pulled back and retagged.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import { imageTag, pullImage, pushImage } from "../../../orchestrator/remote-cache/images.js";
import type { CachedImage } from "../../../orchestrator/remote-cache/images.js";
import { clientFor } from "../../../orchestrator/remote-cache/remote-cache.js";
import { parseRepository } from "../../../orchestrator/util/repository-reference.js";
import { startRegistry } from "../../helpers/registry.js";
import type { StartedRegistry } from "../../helpers/registry.js";

const engine = createEngine();
let registry: StartedRegistry;
let env: Record<string, string>;
const image: CachedImage = {
  kind: "toolchain",
  tag: `levitate-test/cache-image:${randomBytes(4).toString("hex")}`,
  key: randomBytes(32).toString("hex"),
  buildArgs: { FLAVOUR: "test" },
};

beforeAll(async () => {
  registry = await startRegistry({ htpasswd: true });
  env = { LEVITATE_REGISTRY_AUTH: `${registry.credentials!.username}:${registry.credentials!.password}` };
  // A tiny image made here (no registry needed): one file on an empty base.
  await engine.images.build({
    tag: image.tag,
    context: [
      { path: "Dockerfile", data: "FROM scratch\nCOPY stamp /stamp\n" },
      { path: "stamp", data: randomBytes(16).toString("hex") },
    ],
  });
});

afterAll(async () => {
  await engine.images.remove(image.tag);
  await registry?.stop();
});

describe("tool images in the registry cache (htpasswd)", () => {
  it("pushes once, and a machine without the image pulls it back under its local tag", async () => {
    const repo = parseRepository(`${registry.host}/levitate/cache`);
    const writer = clientFor(repo, env, { push: true });
    const builtId = await engine.images.id(image.tag);
    expect(await pushImage(image, { engine, client: writer, env })).toBe("pushed");
    expect(await pushImage(image, { engine, client: writer, env })).toBe("present");
    expect(await engine.images.id(`${registry.host}/levitate/cache:${imageTag(image)}`)).toBeNull();

    await engine.images.remove(image.tag);
    expect(await engine.images.id(image.tag)).toBeNull();
    expect(await pullImage(image, { engine, client: clientFor(repo, env), env })).toBe(true);
    expect(await engine.images.id(image.tag)).toBe(builtId);
    expect(await engine.images.id(`${registry.host}/levitate/cache:${imageTag(image)}`)).toBeNull();

    expect(await pullImage({ ...image, key: "0".repeat(64) }, { engine, client: clientFor(repo, env), env })).toBe(false);
  });

  it("pushes and pulls anonymously too (the engine still gets an empty X-Registry-Auth)", async () => {
    await using anonymous = await startRegistry();
    const repo = parseRepository(`${anonymous.host}/levitate/cache`);
    expect(await pushImage(image, { engine, client: clientFor(repo, {}, { push: true }), env: {} })).toBe("pushed");
    const other = { ...image, tag: `${image.tag}-copy` };
    expect(await pullImage(other, { engine, client: clientFor(repo, {}), env: {} })).toBe(true);
    expect(await engine.images.id(other.tag)).toBe(await engine.images.id(image.tag));
    await engine.images.remove(other.tag);
  });

  it("a wrong password is refused by name before the engine is asked to push", async () => {
    const repo = parseRepository(`${registry.host}/levitate/other`);
    const wrong = { LEVITATE_REGISTRY_AUTH: "levitate:wrong" };
    await expect(pushImage(image, { engine, client: clientFor(repo, wrong, { push: true }), env: wrong })).rejects.toThrow(
      /the registry refused the credentials of user 'levitate' from LEVITATE_REGISTRY_AUTH/,
    );
  });
});
