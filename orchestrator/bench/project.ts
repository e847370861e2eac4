// A throwaway copy of the project (config/, linux/) with its own cache, out dir and volumes, for benchmarks.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheRoot } from "../util/cache-root.js";
import { packageRoot } from "../util/package-root.js";

export interface BenchProject {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly volumePrefix: string;
  dispose(): Promise<void>;
}

export async function makeBenchProject(realMirror: string, options: { shared?: boolean } = {}): Promise<BenchProject> {
  const dir = await mkdtemp(join(tmpdir(), "levitate-bench-"));
  await cp(join(packageRoot, "config"), join(dir, "config"), { recursive: true });
  await cp(join(packageRoot, "linux"), join(dir, "linux"), { recursive: true });
  const volumePrefix = options.shared ? "levitate" : `levitate-bench-${process.pid}`;
  return {
    dir,
    volumePrefix,
    env: {
      LEVITATE_CACHE: options.shared ? cacheRoot() : join(dir, "cache"),
      LEVITATE_OUT: join(dir, "out"),
      LEVITATE_MIRROR: realMirror,
      LEVITATE_VOLUME_PREFIX: volumePrefix,
      CI: "true",
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
