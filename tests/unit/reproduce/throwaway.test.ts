// reproduce's throwaway place: its own cache, out/ and volume prefix, sources linked from the normal caches, no registry cache.
import { cp, mkdir, mkdtemp, readlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { makeThrowaway, removeThrowaway } from "../../../orchestrator/reproduce/throwaway-build.js";
import { REPO } from "../../helpers/cli.js";

describe("throwaway rebuild place", () => {
  it("links the sources the normal caches hold and turns the registry cache off", async () => {
    const dir = await mkdtemp(join(tmpdir(), "levitate-throwaway-"));
    await cp(join(REPO, "config"), join(dir, "config"), { recursive: true });
    await cp(join(REPO, "linux"), join(dir, "linux"), { recursive: true });
    const config = await loadConfig({ cwd: dir, env: { HOME: dir }, profile: "offline" });
    const normal = join(dir, "normal-cache");
    const busybox = config.sources.busybox!;
    await mkdir(join(normal, "downloads", busybox.sha256), { recursive: true });
    await writeFile(join(normal, "downloads", busybox.sha256, busybox.file), "bytes");

    const t = await makeThrowaway(config, normal, { LEVITATE_VOLUME_PREFIX: "lv99" });
    expect(t.volumePrefix).toMatch(/^lv99-reproduce-[0-9a-f]{8}$/);
    expect(t.env).toMatchObject({ LEVITATE_CACHE: t.cacheRoot, LEVITATE_OUT: t.outDir, LEVITATE_VOLUME_PREFIX: t.volumePrefix, LEVITATE_CACHE_FROM: "none", LEVITATE_CACHE_TO: "none" });
    expect(t.linkedSources).toContain(busybox.file);
    expect(await readlink(join(t.cacheRoot, "mirror", busybox.file))).toBe(join(normal, "downloads", busybox.sha256, busybox.file));

    await removeThrowaway(t, null);
    expect(existsSync(t.dir)).toBe(false);
  });
});
