// A throwaway place to rebuild in: its own cache root, out/ and volume prefix; the pinned sources linked in from the normal caches.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import type { Engine } from "../docker/types.js";
import { LABEL_ROLE, LABEL_TOOL } from "../docker/types.js";
import { ROLE_WARM } from "../docker/warm-container.js";
import { LABEL_PROJECT } from "../ownership/labels.js";

export interface Throwaway {
  readonly dir: string;
  readonly cacheRoot: string;
  readonly outDir: string;
  readonly volumePrefix: string;
  /** The environment a build in it runs with. */
  readonly env: NodeJS.ProcessEnv;
  /** Sources found in the normal caches and linked in (the others will be downloaded from their URLs). */
  readonly linkedSources: readonly string[];
}

/** Where a pinned source already is on this machine: the normal download cache, its mirror, the config's mirror. */
function findSource(pin: ResolvedConfig["sources"][string], normalCache: string, mirror: string | null): string | null {
  const candidates = [join(normalCache, "downloads", pin.sha256, pin.file), join(normalCache, "mirror", pin.file), join(normalCache, "mirror", pin.sha256, pin.file)];
  if (mirror !== null) candidates.push(join(mirror, pin.file), join(mirror, pin.sha256, pin.file));
  return candidates.find((p) => existsSync(p)) ?? null;
}

export async function makeThrowaway(config: ResolvedConfig, normalCache: string, env: NodeJS.ProcessEnv): Promise<Throwaway> {
  const id = randomBytes(4).toString("hex");
  const dir = join(normalCache, "reproduce", id);
  const cacheRoot = join(dir, "cache");
  const outDir = join(dir, "out");
  const volumePrefix = `${env.LEVITATE_VOLUME_PREFIX || "levitate"}-reproduce-${id}`;
  await mkdir(join(cacheRoot, "mirror"), { recursive: true });
  const linkedSources: string[] = [];
  for (const pin of Object.values(config.sources)) {
    const found = findSource(pin, normalCache, config.mirror);
    if (found === null) continue;
    // The rebuild still verifies the sha256 when it copies the file into its own download cache.
    await symlink(found, join(cacheRoot, "mirror", pin.file));
    linkedSources.push(pin.file);
  }
  return {
    dir,
    cacheRoot,
    outDir,
    volumePrefix,
    // Cold means cold: no stage artifact may come from a registry cache, and none is pushed.
    env: { ...env, LEVITATE_CACHE: cacheRoot, LEVITATE_OUT: outDir, LEVITATE_VOLUME_PREFIX: volumePrefix, LEVITATE_CACHE_FROM: "none", LEVITATE_CACHE_TO: "none" },
    linkedSources,
  };
}

/** Removes the throwaway directory, the warm iso container its build kept and every volume made under its prefix. */
export async function removeThrowaway(throwaway: Throwaway, engine: Engine | null): Promise<void> {
  if (engine !== null) {
    for (const warm of await engine.containers.list({ [LABEL_TOOL]: "1", [LABEL_ROLE]: ROLE_WARM, [LABEL_PROJECT]: throwaway.volumePrefix }, { all: true })) {
      await engine.containers.remove(warm.id);
    }
    for (const volume of await engine.volumes.list({ [LABEL_TOOL]: "1" })) {
      if (volume.name.startsWith(`${throwaway.volumePrefix}-`)) await engine.volumes.remove(volume.name);
    }
  }
  await rm(throwaway.dir, { recursive: true, force: true });
}
