// Finished stage outputs on the host, by stage and key; written whole or not at all.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { mkdir, readFile, readdir, rename, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Flavour } from "../config/types.js";
import type { CacheView } from "../plan/plan.js";
import type { StageName } from "../stages/stage.js";
import { UserError } from "../errors/errors.js";
import { sha256 } from "../hash/sha256.js";
import { processIsAlive, writeFileAtomic } from "../util/atomic.js";
import { recordOutputs } from "./artifact-digests.js";
import type { OutputDigests, OutputStamps } from "./artifact-digests.js";

export interface ArtifactMeta {
  readonly stage: StageName;
  readonly key: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly durationMs: number;
  readonly createdAt: string;
  /** sha256 and size of every file the stage produced (absent in artifacts made before they were recorded). */
  readonly outputs?: OutputDigests;
  /** Inode and mtime of each file when it was hashed: the fast path of reuse checks. */
  readonly stamps?: OutputStamps;
}

/**
 * What the host cache keeps of each stage: the `keep` most recently used artifacts, and any used in
 * the last `graceMs` (a build started elsewhere may be about to read it). Every edit of
 * config/files makes a new initramfs and ISO (about 9 MB together), so without a bound the cache
 * grows by that much with every edit.
 */
export interface PrunePolicy {
  readonly keep: number;
  readonly graceMs: number;
}

export const DEFAULT_PRUNE_POLICY: PrunePolicy = { keep: 10, graceMs: 60 * 60 * 1000 };

/** The policy with `LEVITATE_CACHE_KEEP` (artifacts kept per stage, a whole number from 1) when it is set. */
export function prunePolicyFromEnv(env: NodeJS.ProcessEnv): PrunePolicy {
  const raw = env["LEVITATE_CACHE_KEEP"];
  if (raw === undefined || raw === "") return DEFAULT_PRUNE_POLICY;
  if (!/^[1-9]\d{0,5}$/.test(raw.trim())) {
    throw new UserError(`LEVITATE_CACHE_KEEP must be a whole number of artifacts to keep per stage (1 or more), got '${raw}'`);
  }
  return { ...DEFAULT_PRUNE_POLICY, keep: Number(raw.trim()) };
}

export interface CachedArtifact {
  readonly key: string;
  /** When a build last used it (created, reused or pulled): the mtime of its meta.json. */
  readonly usedAtMs: number;
}

/** Pure: the keys to remove from one stage's artifacts; `protect` (the running build's keys) never are. */
export function artifactsToPrune(artifacts: readonly CachedArtifact[], policy: PrunePolicy, nowMs: number, protect: ReadonlySet<string>): string[] {
  const newestFirst = [...artifacts].sort((a, b) => b.usedAtMs - a.usedAtMs || a.key.localeCompare(b.key));
  return newestFirst
    .slice(policy.keep)
    .filter((artifact) => !protect.has(artifact.key) && nowMs - artifact.usedAtMs > policy.graceMs)
    .map((artifact) => artifact.key);
}

export interface PruneResult {
  readonly removed: number;
  /** The removed artifacts' outputs, as their meta.json recorded them. */
  readonly bytes: number;
}

export class ArtifactStore implements CacheView {
  private readonly lastDir: string;

  constructor(
    readonly cacheRoot: string,
    /** The config file whose builds we remember for --explain. */
    configFile: string,
    readonly flavour: Flavour,
  ) {
    const project = sha256(configFile).slice(0, 12);
    this.lastDir = join(cacheRoot, "last", project, flavour);
  }

  dir(stage: StageName, key: string): string {
    return join(this.cacheRoot, "artifacts", stage, key);
  }

  has(stage: StageName, key: string): boolean {
    return existsSync(join(this.dir(stage, key), "meta.json"));
  }

  lastInputs(stage: StageName): Readonly<Record<string, string>> | null {
    try {
      const meta = JSON.parse(readFileSync(join(this.lastDir, `${stage}.json`), "utf8")) as ArtifactMeta;
      return meta.inputs;
    } catch {
      return null;
    }
  }

  /** Removes temporary directories that killed builds left in any stage's artifacts (cheap: one readdir per stage). */
  async removeAbandoned(): Promise<void> {
    const root = join(this.cacheRoot, "artifacts");
    for (const stage of await readdir(root).catch(() => [] as string[])) await removeAbandonedTemporaries(join(root, stage));
  }

  /** Records that a build used this artifact, for pruning (most recently used first); a missing one is left alone. */
  async markUsed(stage: StageName, key: string, now = new Date()): Promise<void> {
    await utimes(join(this.dir(stage, key), "meta.json"), now, now).catch(() => undefined);
  }

  /**
   * Removes the artifacts of `stages` that `policy` does not keep. Each goes by a rename to a
   * temporary name first, so an interrupted removal leaves nothing that looks like an artifact
   * (the next build's removeAbandoned clears the rest). Directories without a meta.json are not ours to judge.
   */
  async prune(stages: readonly StageName[], policy: PrunePolicy, protect: ReadonlySet<string>, nowMs = Date.now()): Promise<PruneResult> {
    let removed = 0;
    let bytes = 0;
    for (const stage of stages) {
      const stageDir = join(this.cacheRoot, "artifacts", stage);
      const found: CachedArtifact[] = [];
      // One stat per artifact, synchronously: pruning runs beside publishing in every build that made
      // something, and an hour of edits leaves a hundred artifacts a stage (each awaited: 27 ms).
      for (const key of await readdir(stageDir).catch(() => [] as string[])) {
        if (key.startsWith(".")) continue;
        const used = statOrNull(join(stageDir, key, "meta.json"));
        if (used !== null) found.push({ key, usedAtMs: used.mtimeMs });
      }
      for (const key of artifactsToPrune(found, policy, nowMs, protect)) {
        const size = await outputBytes(join(stageDir, key, "meta.json"));
        const doomed = temporaryDir(stageDir, key);
        try {
          await rename(join(stageDir, key), doomed);
        } catch {
          continue; // another build removed it first
        }
        await rm(doomed, { recursive: true, force: true });
        removed += 1;
        bytes += size;
      }
    }
    return { removed, bytes };
  }

  /** Remember that this key is what the project last built for the stage (also when it was cached). */
  async remember(meta: ArtifactMeta): Promise<void> {
    await writeFileAtomic(join(this.lastDir, `${meta.stage}.json`), JSON.stringify(meta, null, 2));
  }

  /**
   * Fills a temporary directory with `fill`, then renames it into place. A failure or an
   * interruption leaves no directory under the final name, so nothing half-made is trusted.
   * `fill` may return digests of files it hashed as it wrote them (see recordOutputs).
   */
  async commit(
    stage: StageName,
    key: string,
    inputs: Readonly<Record<string, string>>,
    fill: (dir: string) => Promise<OutputDigests | void>,
    startedAt: number,
  ): Promise<string> {
    const final = this.dir(stage, key);
    const stageDir = join(this.cacheRoot, "artifacts", stage);
    await removeAbandonedTemporaries(stageDir);
    const tmp = temporaryDir(stageDir, key);
    await mkdir(tmp, { recursive: true });
    try {
      const written = await fill(tmp);
      const { outputs, stamps } = await recordOutputs(tmp, written ?? {});
      const meta: ArtifactMeta = { stage, key, inputs, durationMs: Date.now() - startedAt, createdAt: new Date().toISOString(), outputs, stamps };
      await writeFile(join(tmp, "meta.json"), JSON.stringify(meta, null, 2));
      await rm(final, { recursive: true, force: true });
      await rename(tmp, final);
      await this.remember(meta);
      return final;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

async function outputBytes(metaFile: string): Promise<number> {
  try {
    const meta = JSON.parse(await readFile(metaFile, "utf8")) as ArtifactMeta;
    return Object.values(meta.outputs ?? {}).reduce((sum, output) => sum + output.bytes, 0);
  } catch {
    return 0;
  }
}

/**
 * A directory name no artifact lookup matches, for one being made (commit) or removed (prune): its
 * pid lets removeAbandonedTemporaries clear it once that process is gone.
 */
function temporaryDir(stageDir: string, key: string): string {
  return join(stageDir, `.tmp-${key.slice(0, 12)}-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** Temporary artifact directories of builds that were killed (their pid is gone): never trusted, so removed. */
async function removeAbandonedTemporaries(stageDir: string): Promise<void> {
  const names = await readdir(stageDir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = /^\.tmp-[0-9a-f]+-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid !== undefined && !processIsAlive(Number(pid))) await rm(join(stageDir, name), { recursive: true, force: true });
  }
}
