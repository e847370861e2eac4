// Applies a build plan: runs each stage that must run, in order, exactly as its invocation says.
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import type { Engine, PreparedContainer } from "../docker/types.js";
import { StageError, interruptedBy } from "../errors/errors.js";
import type { BuildPlan, PlannedStage } from "../plan/plan.js";
import type { ProgressReporter } from "../progress/reporter.js";
import type { StageName } from "../stages/stage.js";
import type { ArtifactMeta, ArtifactStore } from "../artifacts/artifact-store.js";
import { outputProblems, recordOutputs } from "../artifacts/artifact-digests.js";
import type { OutputDigests } from "../artifacts/artifact-digests.js";
import { memorySizeBytes } from "../util/memory-size.js";
import { writeFileAtomic } from "../util/atomic.js";
import { SiblingFailed, runGraph } from "./schedule.js";

export interface ExecuteOptions {
  /** The engine, or how to get one: a build with nothing to run never connects (or loads dockerode). */
  readonly engine: Engine | (() => Promise<Engine>);
  readonly config: ResolvedConfig;
  readonly plan: BuildPlan;
  readonly store: ArtifactStore;
  readonly reporter: ProgressReporter;
  readonly logDir: string;
  /** Verified source files by source name (sources.NAME), gathered before any stage runs. */
  readonly sources: ReadonlyMap<string, string>;
  readonly jobs: number;
  /** Most stages running at once, each as soon as what it needs is built (default 1: one after another). */
  readonly parallel?: number;
  /**
   * How long each stage takes (ms: the last run's time, or its declared cold time). With --parallel
   * above 1, among stages ready at once the longest road to the ISO starts first.
   */
  readonly estimates?: ReadonlyMap<StageName, number>;
  /** Prefix of the cache volumes' names (default "levitate"). */
  readonly volumePrefix?: string;
  /** When another build holds a stage's build tree: wait for it (default) or fail at once. */
  readonly wait?: boolean;
  readonly signal?: AbortSignal;
  readonly onStageTiming?: (stage: StageName, durationMs: number) => void;
}

export interface StageOutcome {
  readonly name: StageName;
  /** pulled: from the registry cache (build() marks those; the executor sees them as cached). */
  readonly action: "run" | "cached" | "pulled";
  readonly key: string;
  readonly dir: string;
  readonly durationMs: number;
}

export async function executePlan(options: ExecuteOptions): Promise<StageOutcome[]> {
  const { config, plan, store, reporter } = options;
  let engine: Promise<Engine> | null = null;
  const getEngine = () => (engine ??= typeof options.engine === "function" ? options.engine() : Promise.resolve(options.engine));
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const artifacts = new Map<StageName, string>();
  let toolchainReady: Promise<void> | null = null;

  const ensureToolchain = (forStage: StageName): Promise<void> =>
    (toolchainReady ??= (async () => {
      const { ensureImage } = await import("../toolchain/ensure-image.js");
      const recipe = plan.toolchain;
      let started = 0;
      await ensureImage(await getEngine(), recipe, {
        onBuildStart: () => {
          started = Date.now();
          reporter.info(`building toolchain image ${recipe.tag} (${config.toolchain.flavour}, from ${config.toolchain.base})`);
        },
        onLog: (line) => reporter.stageLog(forStage, `toolchain: ${line}`),
        ...signal,
      });
      if (started !== 0) reporter.info(`toolchain image built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    })());

  // The engine, the toolchain image and the container stage runner (tar streams) are made ready
  // while host stages (the initramfs) run, not after them.
  const firstContainerStage = plan.stages.find((s) => s.action === "run" && s.invocation.where === "container");
  if (firstContainerStage !== undefined) {
    ensureToolchain(firstContainerStage.name).catch(() => undefined);
    import("./run-container-stage.js").catch(() => undefined);
  }

  const toRun = plan.stages.filter((s) => s.action === "run");
  const prepared = new Map<StageName, Promise<PreparedContainer | null>>();
  const limit = options.parallel ?? 1;
  const priority = criticalPaths(plan.stages, options.estimates ?? new Map());
  let results: Map<StageName, StageOutcome>;
  try {
    results = await runGraph(plan.stages, runOne, {
      limit,
      // One at a time, the order changes nothing but the log's: it stays the plan's.
      ...(limit > 1 ? { priority: (name: StageName) => priority.get(name) ?? 0 } : {}),
      aborted: (stopped) => interruptedBy(stopped),
      ...signal,
    });
  } finally {
    // One prepared but never run (what came before failed or was cancelled) is removed.
    for (const early of prepared.values()) await (await early.catch(() => null))?.discard();
  }
  return plan.stages.map((stage) => results.get(stage.name)).filter((outcome) => outcome !== undefined);

  async function prepareContainer(stage: PlannedStage): Promise<PreparedContainer | null> {
    await ensureToolchain(stage.name);
    const client = (await getEngine()).containers;
    const { stageSpec, stdinFilesAvailable } = await import("./run-container-stage.js");
    const spec = stageSpec(specOptions(stage));
    if (keepsWarm(stage) && client.warm !== undefined) {
      return client.warm(spec, { idleSeconds: config.build.keepWarm, early: stdinFilesAvailable(stage.invocation, artifacts) });
    }
    if (client.prepare === undefined) return null;
    return client.prepare(spec);
  }

  /**
   * The iso stage runs in a container kept warm for the next build (config build.keep_warm): edit ->
   * ISO then costs an exec, not a container's start and removal.
   */
  function keepsWarm(stage: PlannedStage): boolean {
    return stage.invocation.keepWarm && config.build.keepWarm > 0;
  }

  /** What decides a stage's container (the same whether it is prepared ahead or created at run time). */
  function specOptions(stage: PlannedStage) {
    return {
      invocation: stage.invocation,
      key: stage.key,
      toolchainTag: plan.toolchain.tag,
      toolchainKey: plan.toolchain.key,
      jobs: options.jobs,
      volumePrefix: options.volumePrefix ?? "levitate",
      limits: { memoryBytes: memorySizeBytes(config.build.memory), pidsLimit: config.build.pids },
    };
  }

  /**
   * A stage without a build tree whose last missing input is this host stage's artifact (iso after
   * the initramfs, the others built or cached) gets its container created, and its volumes handed
   * over, while this stage runs.
   */
  function prepareDuring(stage: PlannedStage): void {
    if (stage.invocation.where !== "host") return;
    for (const next of toRun) {
      if (next.invocation.where !== "container" || next.invocation.buildTree || !next.needs.includes(stage.name)) continue;
      const ready = (need: StageName) => need === stage.name || artifacts.has(need) || plan.stages.some((s) => s.name === need && s.action === "cached");
      if (!next.needs.every(ready) || prepared.has(next.name)) continue;
      const early = prepareContainer(next);
      early.catch(() => undefined);
      prepared.set(next.name, early);
    }
  }

  async function runOne(stage: PlannedStage, stop: AbortSignal): Promise<StageOutcome> {
    if (stage.action === "cached") {
      const dir = store.dir(stage.name, stage.key);
      const meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as ArtifactMeta;
      const damage = await artifactDamage(dir, meta);
      if (damage.length === 0) {
        if (JSON.stringify(store.lastInputs(stage.name)) !== JSON.stringify(meta.inputs)) await store.remember(meta);
        artifacts.set(stage.name, dir);
        return { name: stage.name, action: "cached", key: stage.key, dir, durationMs: 0 };
      }
      reporter.info(
        `warning: the cached ${stage.name} artifact ${stage.key.slice(0, 12)} does not match what its stage produced (${damage.join("; ")}): discarded, running ${stage.name} again`,
      );
      await rm(dir, { recursive: true, force: true });
    }
    if (!stop.aborted) prepareDuring(stage);
    const started = Date.now();
    reporter.stageStarted(stage.name);
    try {
      const dir = await commitStage(stage, started, stop);
      artifacts.set(stage.name, dir);
      const durationMs = Date.now() - started;
      reporter.stageFinished(stage.name, { ok: true, durationMs });
      options.onStageTiming?.(stage.name, durationMs);
      return { name: stage.name, action: "run", key: stage.key, dir, durationMs };
    } catch (error) {
      // Told to stop because another stage failed: say so, not "interrupted by abort".
      const detail = stop.reason instanceof SiblingFailed ? stop.reason.message : (error as Error).message;
      reporter.stageFinished(stage.name, { ok: false, durationMs: Date.now() - started, detail });
      throw error;
    }
  }

  /**
   * A container stage holds its build tree's lease while it runs (two builds of one project take
   * turns; a dead holder's leftovers are removed first); a host stage, or one without a tree, needs none.
   */
  async function commitStage(stage: PlannedStage, started: number, stop: AbortSignal): Promise<string> {
    const commit = () => store.commit(stage.name, stage.key, stage.inputs, (into) => runStage(stage, into, stop), started);
    if (stage.invocation.where === "host") return commit();
    await ensureToolchain(stage.name);
    if (!stage.invocation.buildTree) return commit();
    const { holdWorkTree } = await import("../ownership/work-tree-lock.js");
    const { workVolumeName } = await import("./run-container-stage.js");
    const tree = await holdWorkTree(await getEngine(), {
      image: plan.toolchain.tag,
      volume: workVolumeName(options.volumePrefix ?? "levitate", stage.name, plan.toolchain.key),
      purpose: `build ${stage.name}`,
      wait: options.wait ?? true,
      onMessage: (line) => reporter.info(line),
      signal: stop,
    });
    try {
      // Another build of this project may have finished the same stage while we waited.
      if (!stage.reasons.includes("--force") && store.has(stage.name, stage.key)) {
        reporter.info(`${stage.name}: built meanwhile by another build of this project; using that`);
        return store.dir(stage.name, stage.key);
      }
      return await commit();
    } finally {
      await tree.release();
    }
  }

  // Loaded only when a stage runs, so an up-to-date build stays fast.
  /** Runs the stage into `into`; the digests of outputs it hashed as it wrote them, if any. */
  async function runStage(stage: PlannedStage, into: string, stop: AbortSignal): Promise<OutputDigests> {
    let written: OutputDigests = {};
    const { invocation } = stage;
    const logPath = join(options.logDir, `${stage.name}.log`);
    if (invocation.where === "host") {
      const { buildInitramfsArtifact } = await import("./initramfs-stage.js");
      written = await buildInitramfsArtifact({ config, flavour: plan.flavour, artifacts, into, pieceCacheDir: join(store.cacheRoot, "initramfs-pieces"), signal: stop });
    } else {
      const { runContainerStage } = await import("./run-container-stage.js");
      const sourcePath = invocation.source === null ? null : options.sources.get(invocation.source.name);
      if (sourcePath === undefined) throw new Error(`source ${invocation.source?.name} of stage ${stage.name} was not gathered before the build`);
      await ensureToolchain(stage.name);
      // A prepared container stays listed until it has run: the build's end removes it otherwise.
      // So does a warm one got only now (the stage ran without a host stage before it).
      if (!prepared.has(stage.name) && keepsWarm(stage) && (await getEngine()).containers.warm !== undefined) {
        const warm = prepareContainer(stage);
        warm.catch(() => undefined);
        prepared.set(stage.name, warm);
      }
      const early = prepared.get(stage.name);
      const ready = early === undefined ? null : await early;
      const opts = {
        ...specOptions(stage),
        engine: await getEngine(),
        sourcePath,
        artifacts,
        logPath,
        onLine: (line: string) => reporter.stageLog(stage.name, line),
        // The modules publishing needs (metadata, its zod schema, the SBOM: about 0.1 s to load)
        // are loaded while the container works and this thread has nothing else to do: not after
        // it, and not while this thread still writes the stage's files to it (that waited for them).
        onInputsSent: () => void import("../metadata/record-build.js").catch(() => undefined),
        ...(ready === null ? {} : { prepared: Promise.resolve(ready) }),
        signal: stop,
      };
      written = await runContainerStage(opts, into);
      prepared.delete(stage.name);
    }
    const missing = invocation.outputs.filter((file) => !existsSync(join(into, file)));
    if (missing.length > 0) {
      throw new StageError(stage.name, 0, [], invocation.where === "container" ? logPath : null, {
        reason: `stage ${stage.name} finished but did not leave ${missing.join(", ")} (it promises ${invocation.outputs.join(", ")})`,
      });
    }
    return written;
  }
}

/**
 * For each stage: how long it and the longest chain of stages waiting for it take to run, by the
 * estimates (a cached stage or one never timed counts as 0).
 */
export function criticalPaths(stages: readonly PlannedStage[], estimates: ReadonlyMap<StageName, number>): Map<StageName, number> {
  const paths = new Map<StageName, number>();
  // Dependents come after what they need, so walking backwards sees every dependent first.
  for (const stage of [...stages].reverse()) {
    const own = stage.action === "run" ? (estimates.get(stage.name) ?? 0) : 0;
    const after = stages.filter((s) => s.needs.includes(stage.name)).map((s) => paths.get(s.name) ?? 0);
    paths.set(stage.name, own + Math.max(0, ...after));
  }
  return paths;
}

/**
 * Problems with a cached artifact's files ([] when intact). An artifact from before digests were
 * recorded is taken as it is, and its digests are recorded now for the next time.
 */
async function artifactDamage(dir: string, meta: ArtifactMeta): Promise<string[]> {
  if (meta.outputs !== undefined) return outputProblems(dir, meta.outputs, meta.stamps);
  await writeFileAtomic(join(dir, "meta.json"), JSON.stringify({ ...meta, ...(await recordOutputs(dir)) }, null, 2));
  return [];
}
