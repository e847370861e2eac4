// `reproduce`: rebuild a recorded build from scratch in a throwaway place and compare every output digest.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { build, planBuild } from "../build/build.js";
import type { Engine } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { fileDigest } from "../metadata/gather-facts.js";
import { buildMetadataSchema } from "../metadata/metadata-schema.js";
import type { BuildMetadata } from "../metadata/metadata-schema.js";
import { readPreviousMetadata } from "../metadata/write-metadata.js";
import type { StageName } from "../stages/stage.js";
import type { ProgressReporter } from "../progress/reporter.js";
import { cacheRoot as defaultCacheRoot } from "../util/cache-root.js";
import { diffListings } from "./archive-diff.js";
import { compareBuilds } from "./compare-builds.js";
import type { BuildComparison } from "./compare-builds.js";
import { listInitramfs } from "./list-initramfs.js";
import { listIsos } from "./list-iso.js";
import { makeThrowaway, removeThrowaway } from "./throwaway-build.js";

export interface ReproduceOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly metadataPath: string;
  readonly reporter: ProgressReporter;
  readonly engine: () => Promise<Engine>;
  /** Keep the throwaway cache, out/ and volumes (for looking into a mismatch). */
  readonly keep?: boolean;
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
}

export interface ReproduceResult {
  readonly comparison: BuildComparison;
  /** For the first differing stage's archives: which files differ. */
  readonly fileDiffs: readonly { file: string; lines: readonly string[] }[];
  readonly kept: string | null;
}

export async function readRecordedMetadata(path: string): Promise<BuildMetadata> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UserError(`reproduce: cannot read ${path}`, { cause: error, details: [(error as Error).message, "build first: levitate-docker build"] });
  }
  const result = buildMetadataSchema.safeParse(parsed);
  if (!result.success) {
    throw new UserError(`reproduce: ${path} is not a metadata.json this version of levitate-docker can reproduce`, {
      details: [...result.error.issues.slice(0, 8).map((i) => `${i.path.join(".")}: ${i.message}`), "rebuild it with: levitate-docker build (then reproduce)"],
    });
  }
  return result.data;
}

export async function reproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const path = resolve(options.cwd, options.metadataPath);
  const recorded = await readRecordedMetadata(path);
  const selection = {
    cwd: options.cwd,
    env: options.env,
    configPath: recorded.reproduce.config,
    profile: recorded.reproduce.profile,
    flavour: recorded.reproduce.flavour,
  };

  // Same inputs, or the comparison means nothing: check the keys before spending a cold build on it.
  const { config, plan, store } = await planBuild(selection);
  const changed = plan.stages.filter((s) => recorded.stages.find((r) => r.name === s.name)?.key !== s.key);
  if (changed.length > 0) {
    throw new UserError(`reproduce: the inputs changed since ${options.metadataPath} was written, so its digests cannot be compared`, {
      details: [...changed.map((s) => `stage ${s.name}: recorded key ${recorded.stages.find((r) => r.name === s.name)?.key.slice(0, 12) ?? "(none)"}, now ${s.key.slice(0, 12)}`), `build again first: ${recorded.reproduce.command}`],
    });
  }

  const normalCache = defaultCacheRoot(options.env);
  const throwaway = await makeThrowaway(config, normalCache, options.env);
  options.log(`rebuilding from scratch in ${throwaway.dir} (volume prefix ${throwaway.volumePrefix}); sources linked from the normal caches: ${throwaway.linkedSources.join(", ") || "none"}`);
  let engine: Engine | null = null;
  const getEngine = async () => (engine ??= await options.engine());
  try {
    const rebuilt = await build({
      ...selection,
      env: throwaway.env,
      reporter: options.reporter,
      engine: await getEngine(),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const again = await readPreviousMetadata(join(throwaway.outDir, "metadata.json"));
    if (again === null) throw new Error(`the rebuild wrote no readable metadata.json in ${throwaway.outDir}`);
    const comparison = compareBuilds(recorded, again);
    const fileDiffs: { file: string; lines: string[] }[] = [];
    const stage = comparison.firstDifferingStage;
    if (stage !== null && stage !== "out/") {
      const key = recorded.stages.find((s) => s.name === stage)!.key;
      const rebuiltDir = rebuilt.outcomes.find((o) => o.name === stage)?.dir ?? null;
      for (const row of comparison.rows.filter((r) => r.stage === stage && !r.same)) {
        const recordedFile = await recordedCopy(row.recorded, [join(store.dir(stage as StageName, key), row.file), join(dirname(path), row.file)]);
        const rebuiltFile = rebuiltDir === null ? null : join(rebuiltDir, row.file);
        if (recordedFile === null || rebuiltFile === null || !existsSync(rebuiltFile)) {
          fileDiffs.push({ file: row.file, lines: ["(the recorded file is no longer in the artifact cache or out/, so its contents cannot be listed)"] });
        } else if (row.file.endsWith(".cpio.gz")) {
          fileDiffs.push({ file: row.file, lines: diffListings(await listInitramfs(recordedFile), await listInitramfs(rebuiltFile)) });
        } else if (row.file.endsWith(".iso")) {
          const [a, b] = await listIsos(await getEngine(), recorded.toolchain.tag, recordedFile, rebuiltFile, options.signal);
          const lines = diffListings(a, b);
          fileDiffs.push({ file: row.file, lines: lines.length > 0 ? lines : ["every file in the two ISOs is the same: the difference is in the ISO's own structures (boot images, system area, volume descriptors)"] });
        }
      }
    }
    return { comparison, fileDiffs, kept: options.keep ? throwaway.dir : null };
  } finally {
    if (!options.keep) await removeThrowaway(throwaway, engine);
  }
}

/** The first candidate whose bytes still have the recorded digest. */
async function recordedCopy(digest: string | null, candidates: readonly string[]): Promise<string | null> {
  if (digest === null) return null;
  for (const candidate of candidates) {
    if (existsSync(candidate) && (await fileDigest(candidate)).sha256 === digest) return candidate;
  }
  return null;
}
