// `build`: config -> inputs -> plan -> (dry run | execute) -> out/. The one path every command builds through.
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { loadConfigRemembered } from "../config/load-memo.js";
import type { Flavour, ResolvedConfig } from "../config/types.js";
import type { Engine } from "../docker/types.js";
import { collectInputs } from "../plan/collect.js";
import { plan as makePlan } from "../plan/plan.js";
import type { BuildPlan } from "../plan/plan.js";
import type { ProgressReporter } from "../progress/reporter.js";
import type { StageName } from "../stages/stage.js";
import { coldEstimateMs, stagesFor } from "../stages/table.js";
import { ArtifactStore, prunePolicyFromEnv } from "../artifacts/artifact-store.js";
import type { PrunePolicy } from "../artifacts/artifact-store.js";
import { executePlan } from "./execute.js";
import type { StageOutcome } from "./execute.js";
import { publish } from "./publish.js";
import type { PublishedBuild } from "./publish.js";
import { cacheRoot as defaultCacheRoot } from "../util/cache-root.js";
import { estimateFor, loadTimings, saveTiming } from "../progress/timings.js";
import type { CacheFlags } from "../remote-cache/settings.js";
import { cacheSettings } from "../remote-cache/settings.js";
import { toolVersion } from "../util/package-root.js";

export interface ConfigSelection {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly configPath?: string;
  readonly profile?: string | null;
  readonly mirror?: string | null;
  /** Mirror sites (--mirror-site); absent falls back to LEVITATE_MIRROR_SITES, then `mirror_sites:`. */
  readonly mirrorSites?: readonly string[];
  readonly flavour: Flavour;
}

export interface BuildOptions extends ConfigSelection {
  readonly only?: readonly StageName[];
  readonly force?: boolean;
  readonly dryRun?: boolean;
  /** Say, before running, which inputs changed for each stage that runs. */
  readonly explain?: boolean;
  readonly reporter: ProgressReporter;
  /** The engine, or how to get one (asked for only when a stage must run). */
  readonly engine?: Engine | (() => Promise<Engine>);
  readonly signal?: AbortSignal;
  readonly jobs?: number;
  /** Most stages at once (--parallel); default: the config's build.parallel. */
  readonly parallel?: number;
  /** --cache-from / --cache-to (the environment and the config's `cache:` fill in the rest). */
  readonly cache?: CacheFlags;
  /** When another build of this project holds a build tree: wait (default) or fail at once. */
  readonly wait?: boolean;
}

export interface BuildOutcome {
  readonly config: ResolvedConfig;
  readonly plan: BuildPlan;
  readonly outcomes: readonly StageOutcome[];
  readonly published: PublishedBuild | null;
  readonly outDir: string;
}

export function outDirFor(cwd: string, env: NodeJS.ProcessEnv): string {
  return resolve(cwd, env.LEVITATE_OUT ?? "out");
}

/**
 * The config a command's flags select (--config, --profile, --mirror, --mirror-site and their env
 * variables); an unchanged project's is remembered in the cache (`configs/`), so YAML is not parsed again.
 */
export function loadSelectedConfig(selection: ConfigSelection): Promise<ResolvedConfig> {
  return loadConfigRemembered({
    cwd: selection.cwd,
    env: selection.env,
    ...(selection.configPath === undefined ? {} : { configPath: selection.configPath }),
    ...(selection.profile === undefined ? {} : { profile: selection.profile }),
    ...(selection.mirror === undefined ? {} : { mirror: selection.mirror }),
    ...(selection.mirrorSites === undefined ? {} : { mirrorSites: selection.mirrorSites }),
  }, join(defaultCacheRoot(selection.env), "configs"));
}

export async function planBuild(selection: ConfigSelection, options: { only?: readonly StageName[]; force?: boolean } = {}) {
  const config = await loadSelectedConfig(selection);
  const root = defaultCacheRoot(selection.env);
  const store = new ArtifactStore(root, config.configFile, selection.flavour);
  const collected = await collectInputs(config, selection.flavour);
  const plan = makePlan(collected, store, options);
  return { config, store, plan, cacheRoot: root };
}

export async function build(options: BuildOptions): Promise<BuildOutcome> {
  const prunePolicy = prunePolicyFromEnv(options.env);
  const { config, store, plan, cacheRoot } = await planBuild(options, {
    ...(options.only === undefined ? {} : { only: options.only }),
    ...(options.force === undefined ? {} : { force: options.force }),
  });
  const outDir = outDirFor(options.cwd, options.env);
  if (options.dryRun) return { config, plan, outcomes: [], published: null, outDir };
  // Mark the artifacts this build will reuse now, not when it ends: another build's pruning spares
  // what was used in the last hour, and this one may read them minutes from now (publishing).
  await Promise.all(plan.stages.filter((s) => s.action === "cached").map((s) => store.markUsed(s.name, s.key)));
  const { reporter } = options;
  const timings = await loadTimings(cacheRoot);
  // How long each stage took last time: shown with the plan, and the executor's order among ready stages.
  const estimates = new Map(plan.stages.flatMap((s) => {
    const ms = estimateFor(timings, s.name);
    return ms === undefined ? [] : [[s.name, ms] as const];
  }));
  reporter.plan(
    plan.stages.map((s) => {
      const estimateMs = estimates.get(s.name);
      return {
        name: s.name,
        state: s.action === "cached" ? ("cached" as const) : ("pending" as const),
        reason: s.reasons.join("; "),
        ...(estimateMs === undefined ? {} : { estimateMs }),
      };
    }),
  );
  if (options.explain) {
    for (const stage of plan.stages) if (stage.action === "run") reporter.info(`${stage.name}: ${stage.reasons.join("; ")}`);
  }
  let created: Promise<Engine> | null = null;
  const engine = options.engine ?? (() => (created ??= import("../docker/engine.js").then((m) => m.createEngine({ env: options.env }))));
  const getEngine = async () => (typeof engine === "function" ? engine() : engine);
  // The registry cache first: a stage pulled from it needs no source, no container, no toolchain image.
  const settings = cacheSettings(options.cache ?? {}, options.env, config);
  const remote =
    settings.from === null && settings.to === null
      ? null
      : new (await import("../remote-cache/remote-cache.js")).RemoteCache({
          settings,
          env: options.env,
          reporter,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          context: { toolchain: plan.toolchain.tag, toolVersion: toolVersion() },
          engine: getEngine,
        });
  const pulled = remote === null ? new Set<string>() : await remote.pullStages(plan.stages.filter((s) => s.action === "run"), store);
  const toRun: BuildPlan = {
    ...plan,
    stages: plan.stages.map((s) => (pulled.has(s.name) ? { ...s, action: "cached" as const, reasons: ["pulled from the registry cache"] } : s)),
  };
  if (remote !== null && toRun.stages.some((s) => s.action === "run" && s.invocation.where === "container")) {
    await remote.tryPullImage(plan.toolchain, await getEngine());
  }
  // Every source the stages to run need, before any of them (or any container) starts.
  const sources = await gatherPlanSources(config, toRun, cacheRoot, reporter, options.signal);
  await reapAfterKilledBuilds(cacheRoot, engine);
  await store.removeAbandoned();
  // Stages finishing together record their times one after another (each save rewrites the file).
  let timingSaves = Promise.resolve();
  const executed = await executePlan({
    engine,
    config,
    plan: toRun,
    store,
    reporter,
    logDir: join(outDir, "logs"),
    sources,
    jobs: options.jobs ?? Math.max(1, availableParallelism()),
    parallel: options.parallel ?? config.build.parallel,
    // A stage this machine has not timed yet counts as its declared cold time (not shown as an estimate).
    estimates: new Map(plan.stages.map((s) => [s.name, estimates.get(s.name) ?? coldEstimateMs(s.name)] as const)),
    volumePrefix: options.env.LEVITATE_VOLUME_PREFIX || "levitate",
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onStageTiming: (stage, ms) => {
      timingSaves = timingSaves.then(() => saveTiming(cacheRoot, stage, null, ms)).catch(() => undefined);
    },
  });
  const outcomes = executed.map((o) => (pulled.has(o.name) ? { ...o, action: "pulled" as const } : o));
  // out/ is a whole build or nothing: publish only when every stage of the flavour was built.
  const complete = stagesFor(plan.flavour).every((s) => plan.stages.some((p) => p.name === s.name));
  // The cache is pruned while out/ is written: pruning keeps every artifact of this build's outcomes.
  const pruned = keepCacheBounded(store, outcomes, prunePolicy, reporter);
  pruned.catch(() => undefined);
  const published = complete ? await publish(outDir, config, plan, outcomes, { cwd: options.cwd, engine: typeof engine === "function" ? engine : async () => engine, cacheRoot }) : null;
  if (remote?.exports) {
    const artifacts = outcomes.map((o) => ({ stage: o.name, key: o.key, dir: o.dir }));
    // The QEMU runner image too, when this engine has it (run/test made it); pushImage skips an absent one.
    const { runnerRecipe } = await import("../toolchain/recipes.js");
    await remote.exportBuild(artifacts, [plan.toolchain, await runnerRecipe(config)], published === null ? null : outDir);
  }
  await pruned;
  return { config, plan, outcomes, published, outDir };
}

/**
 * When the build made new artifacts (built or pulled: their meta.json is new, so they count as just
 * used), removes the stages' artifacts that fell out of the policy; a no-op build adds nothing.
 * The reused ones were marked as used when the build planned them.
 */
export async function keepCacheBounded(store: ArtifactStore, outcomes: readonly StageOutcome[], policy: PrunePolicy, reporter: ProgressReporter): Promise<void> {
  if (outcomes.every((o) => o.action === "cached")) return;
  const { removed, bytes } = await store.prune(outcomes.map((o) => o.name), policy, new Set(outcomes.map((o) => o.key)));
  if (removed > 0) {
    reporter.info(`cache: removed ${removed} artifact${removed === 1 ? "" : "s"} no build used lately (${(bytes / 1024 ** 2).toFixed(1)} MiB; ${policy.keep} kept per stage, LEVITATE_CACHE_KEEP)`);
  }
}

/** The verified source files of the stages that will run, by source name; throws one error naming all that are missing. */
async function gatherPlanSources(
  config: ResolvedConfig,
  plan: BuildPlan,
  cacheRoot: string,
  reporter: ProgressReporter,
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  const pins = plan.stages.filter((s) => s.action === "run").flatMap((s) => s.invocation.source ?? []);
  if (pins.length === 0) return new Map();
  const { gatherSources } = await import("../sources/gather.js");
  const gathered = await gatherSources(pins, {
    cacheRoot,
    mirrors: config.mirror === null ? [] : [config.mirror],
    sites: config.mirrorSites,
    // The bytes are about to be used: a damaged cached file is found here and fetched again.
    verifyCache: true,
    ...(signal === undefined ? {} : { signal }),
    onProgress: (event) => {
      if (event.phase !== "verify" && event.bytes === 0) reporter.info(`${event.phase} ${event.file} from ${event.from}`);
    },
  });
  return new Map(gathered.map((g) => [g.pin.name, g.path]));
}

/**
 * A build that ran containers and was killed (kill -9, a closed terminal) left a note: reap its
 * containers now even when nothing needs the engine, so an up-to-date build leaves no orphans.
 */
async function reapAfterKilledBuilds(cacheRoot: string, engine: Engine | (() => Promise<Engine>)): Promise<void> {
  const { deadContainerUsers, forgetContainerUsers } = await import("../ownership/engine-users.js");
  const dead = deadContainerUsers(cacheRoot);
  if (dead.length === 0) return;
  await (typeof engine === "function" ? await engine() : engine).reapOrphans();
  forgetContainerUsers(cacheRoot, dead);
}
