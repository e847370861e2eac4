// Finished stage outputs on the host, by stage and key; written whole or not at all.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Flavour } from "../config/types.js";
import type { CacheView } from "../plan/plan.js";
import type { StageName } from "../stages/stage.js";
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

  /** Remember that this key is what the project last built for the stage (also when it was cached). */
  async remember(meta: ArtifactMeta): Promise<void> {
    await writeFileAtomic(join(this.lastDir, `${meta.stage}.json`), JSON.stringify(meta, null, 2));
  }

  /**
   * Fills a temporary directory with `fill`, then renames it into place. A failure or an
   * interruption leaves no directory under the final name, so nothing half-made is trusted.
   */
  async commit(
    stage: StageName,
    key: string,
    inputs: Readonly<Record<string, string>>,
    fill: (dir: string) => Promise<void>,
    startedAt: number,
  ): Promise<string> {
    const final = this.dir(stage, key);
    const stageDir = join(this.cacheRoot, "artifacts", stage);
    await removeAbandonedTemporaries(stageDir);
    const tmp = join(stageDir, `.tmp-${key.slice(0, 12)}-${process.pid}-${randomBytes(4).toString("hex")}`);
    await mkdir(tmp, { recursive: true });
    try {
      await fill(tmp);
      const { outputs, stamps } = await recordOutputs(tmp);
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

/** Temporary artifact directories of builds that were killed (their pid is gone): never trusted, so removed. */
async function removeAbandonedTemporaries(stageDir: string): Promise<void> {
  const names = await readdir(stageDir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = /^\.tmp-[0-9a-f]+-(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid !== undefined && !processIsAlive(Number(pid))) await rm(join(stageDir, name), { recursive: true, force: true });
  }
}
