// A temporary copy of config/ and linux/ with its own cache, out dir and volume prefix, so tests never touch the repo's.
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "./cli.js";

export interface ProjectCopy {
  readonly dir: string;
  readonly configFile: string;
  readonly cache: string;
  readonly out: string;
  readonly env: Record<string, string>;
  dispose(): Promise<void>;
}

/** The repo's mirror (where scripts/prepare-offline.sh puts tarballs) stays visible through LEVITATE_MIRROR. */
export async function copyProject(label: string, options: { sharedCache?: boolean } = {}): Promise<ProjectCopy> {
  const dir = await mkdtemp(join(tmpdir(), `levitate-${label}-`));
  await cp(join(REPO, "config"), join(dir, "config"), { recursive: true });
  await cp(join(REPO, "linux"), join(dir, "linux"), { recursive: true });
  const home = process.env.LEVITATE_CACHE ?? join(process.env.HOME ?? "/root", ".cache", "levitate-docker");
  const cache = options.sharedCache ? home : join(dir, "cache");
  const out = join(dir, "out");
  return {
    dir,
    configFile: join(dir, "config", "levitate.yaml"),
    cache,
    out,
    env: {
      LEVITATE_CACHE: cache,
      LEVITATE_OUT: out,
      LEVITATE_MIRROR: process.env.LEVITATE_MIRROR ?? join(home, "mirror"),
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Every file under dir (relative paths), for "nothing half-written was left" assertions. */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
  } catch {
    return [];
  }
}
