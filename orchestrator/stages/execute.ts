// Applies a build plan: runs each stage that must run, in order, and publishes out/.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import type { Engine } from "../docker/types.js";
import type { BuildPlan, PlannedStage } from "../plan/plan.js";
import type { StageName } from "../plan/stages.js";
import type { ProgressReporter } from "../progress/reporter.js";
import { toolchainRecipe } from "../toolchain/recipes.js";
import type { ArtifactMeta, ArtifactStore } from "./artifact-store.js";
import { busyboxStage } from "./busybox.js";
import type { ContainerStage } from "./container-stage.js";
import { isoStage } from "./iso.js";
import { linuxStage } from "./linux.js";
import { openrcStage } from "./openrc.js";

const CONTAINER_STAGES: Partial<Record<StageName, ContainerStage>> = {
  linux: linuxStage,
  busybox: busyboxStage,
  openrc: openrcStage,
  iso: isoStage,
};

export interface ExecuteOptions {
  /** The engine, or how to get one: a build with nothing to run never connects (or loads dockerode). */
  readonly engine: Engine | (() => Promise<Engine>);
  readonly config: ResolvedConfig;
  readonly plan: BuildPlan;
  readonly store: ArtifactStore;
  readonly reporter: ProgressReporter;
  readonly logDir: string;
  readonly mirrors: readonly string[];
  readonly jobs: number;
  /** Prefix of the cache volumes' names (default "levitate"). */
  readonly volumePrefix?: string;
  readonly signal?: AbortSignal;
  readonly onStageTiming?: (stage: StageName, durationMs: number) => void;
}

export interface StageOutcome {
  readonly name: StageName;
  readonly action: "run" | "cached";
  readonly key: string;
  readonly dir: string;
  readonly durationMs: number;
}

export async function executePlan(options: ExecuteOptions): Promise<StageOutcome[]> {
  const { config, plan, store, reporter } = options;
  let engine: Promise<Engine> | null = null;
  const getEngine = () => (engine ??= typeof options.engine === "function" ? options.engine() : Promise.resolve(options.engine));
  const artifacts = new Map<StageName, string>();
  const outcomes: StageOutcome[] = [];
  let toolchain: { tag: string; key: string } | null = null;

  const ensureToolchain = async (forStage: StageName) => {
    if (toolchain !== null) return toolchain;
    const { ensureImage } = await import("../toolchain/ensure-image.js");
    const recipe = await toolchainRecipe(config);
    let started = 0;
    await ensureImage(await getEngine(), recipe, {
      onBuildStart: () => {
        started = Date.now();
        reporter.info(`building toolchain image ${recipe.tag} (${config.toolchain.flavour}, from ${config.toolchain.base})`);
      },
      onLog: (line) => reporter.stageLog(forStage, `toolchain: ${line}`),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (started !== 0) reporter.info(`toolchain image built in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    toolchain = { tag: recipe.tag, key: recipe.key };
    return toolchain;
  };

  for (const stage of plan.stages) {
    if (stage.action === "cached") {
      const dir = store.dir(stage.name, stage.key);
      const meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as ArtifactMeta;
      if (JSON.stringify(store.lastInputs(stage.name)) !== JSON.stringify(meta.inputs)) await store.remember(meta);
      artifacts.set(stage.name, dir);
      outcomes.push({ name: stage.name, action: "cached", key: stage.key, dir, durationMs: 0 });
      continue;
    }
    const started = Date.now();
    reporter.stageStarted(stage.name);
    try {
      const dir = await runStage(stage, started);
      artifacts.set(stage.name, dir);
      const durationMs = Date.now() - started;
      reporter.stageFinished(stage.name, { ok: true, durationMs });
      options.onStageTiming?.(stage.name, durationMs);
      outcomes.push({ name: stage.name, action: "run", key: stage.key, dir, durationMs });
    } catch (error) {
      reporter.stageFinished(stage.name, { ok: false, durationMs: Date.now() - started, detail: (error as Error).message });
      throw error;
    }
  }
  return outcomes;

  // Loaded only when a stage runs, so an up-to-date build stays fast.
  async function runStage(stage: PlannedStage, started: number): Promise<string> {
    if (stage.where === "host") {
      const { buildInitramfsArtifact } = await import("./initramfs.js");
      return store.commit(stage.name, stage.key, stage.inputs, (dir) => buildInitramfsArtifact({ config, flavour: plan.flavour, artifacts, into: dir }), started);
    }
    const def = CONTAINER_STAGES[stage.name]!;
    const { ensureSource } = await import("../sources/ensure-source.js");
    const { runContainerStage } = await import("./run-in-container.js");
    const pin = def.source(config);
    const sourcePath =
      pin === null
        ? null
        : await ensureSource(pin, {
            cacheRoot: store.cacheRoot,
            mirrors: options.mirrors,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            onProgress: (event) => {
              if (event.phase !== "verify") reporter.stageLog(stage.name, `${event.phase} ${event.file} from ${event.from}`);
            },
          });
    const { tag, key } = await ensureToolchain(stage.name);
    const engineNow = await getEngine();
    return store.commit(
      stage.name,
      stage.key,
      stage.inputs,
      (dir) =>
        runContainerStage(
          {
            engine: engineNow,
            config,
            stage: def,
            planned: stage,
            toolchainTag: tag,
            toolchainKey: key,
            sourcePath,
            artifacts,
            logPath: join(options.logDir, `${stage.name}.log`),
            jobs: options.jobs,
            volumePrefix: options.volumePrefix ?? "levitate",
            onLine: (line) => reporter.stageLog(stage.name, line),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          },
          dir,
        ),
      started,
    );
  }
}
