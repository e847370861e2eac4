// Plan, then execute: decides which stages run and why, from inputs and what is cached (pure).
import type { Flavour } from "../config/types.js";
import { hashInputs } from "./hash.js";
import type { CollectedInputs } from "./inputs.js";
import { stagesFor } from "./stages.js";
import type { StageName } from "./stages.js";

export interface CacheView {
  /** Is there a finished artifact for this stage and key? */
  has(stage: StageName, key: string): boolean;
  /** Inputs of the last finished build of this stage (for --explain), if known. */
  lastInputs(stage: StageName): Readonly<Record<string, string>> | null;
}

export interface PlannedStage {
  readonly name: StageName;
  readonly where: "container" | "host";
  readonly needs: readonly StageName[];
  /** Hash of `inputs`, which include the keys of the stages it needs. */
  readonly key: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly action: "run" | "cached";
  /** Why it runs ("file:linux/levitate.config changed"), or "up to date". */
  readonly reasons: readonly string[];
}

export interface BuildPlan {
  readonly flavour: Flavour;
  readonly toolchainTag: string;
  readonly stages: readonly PlannedStage[];
}

export interface PlanOptions {
  /** Build only these stages and what they need (default: all). */
  readonly only?: readonly StageName[];
  /** Run the selected stages even when cached. */
  readonly force?: boolean;
}

/** What changed between the last build's inputs and these, in words. */
export function describeChanges(
  previous: Readonly<Record<string, string>> | null,
  current: Readonly<Record<string, string>>,
): string[] {
  if (previous === null) return ["never built"];
  const reasons: string[] = [];
  for (const name of Object.keys(current).sort()) {
    if (!(name in previous)) reasons.push(`${name} added`);
    else if (previous[name] !== current[name]) {
      reasons.push(name.startsWith("stage:") ? `${name.slice(6)} was rebuilt (new key)` : `${name} changed`);
    }
  }
  for (const name of Object.keys(previous).sort()) if (!(name in current)) reasons.push(`${name} removed`);
  return reasons;
}

export function plan(collected: CollectedInputs, cache: CacheView, options: PlanOptions = {}): BuildPlan {
  const shapes = stagesFor(collected.flavour);
  const wanted = new Set<StageName>();
  const want = (name: StageName): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const need of shapes.find((s) => s.name === name)?.needs ?? []) want(need);
  };
  for (const name of options.only ?? shapes.map((s) => s.name)) want(name);

  const keys = new Map<StageName, string>();
  const planned: PlannedStage[] = [];
  for (const shape of shapes) {
    if (!wanted.has(shape.name)) continue;
    const own = collected.stages[shape.name];
    if (own === undefined) throw new Error(`no inputs collected for stage ${shape.name}`);
    const inputs: Record<string, string> = { ...own };
    for (const need of shape.needs) inputs[`stage:${need}`] = keys.get(need)!;
    const key = hashInputs(inputs);
    keys.set(shape.name, key);
    const forced = options.force === true && (options.only === undefined || options.only.includes(shape.name));
    const cached = !forced && cache.has(shape.name, key);
    let reasons: string[];
    if (cached) reasons = ["up to date"];
    else if (forced) reasons = ["--force"];
    else {
      reasons = describeChanges(cache.lastInputs(shape.name), inputs);
      if (reasons.length === 0) reasons = ["inputs unchanged, but no finished artifact (removed or interrupted)"];
    }
    planned.push({ name: shape.name, where: shape.where, needs: shape.needs, key, inputs, action: cached ? "cached" : "run", reasons });
  }
  return { flavour: collected.flavour, toolchainTag: collected.toolchainTag, stages: planned };
}

/** The plan as text, for `build --dry-run` (and golden tests). */
export function formatPlan(buildPlan: BuildPlan, options: { explain?: boolean } = {}): string {
  const lines = [`flavour: ${buildPlan.flavour}   toolchain: ${buildPlan.toolchainTag}`];
  for (const stage of buildPlan.stages) {
    const state = stage.action === "run" ? "run   " : "cached";
    const why = stage.action === "run" ? `  (${stage.reasons.length} reason${stage.reasons.length === 1 ? "" : "s"})` : "";
    lines.push(`  ${state} ${stage.name.padEnd(10)} ${stage.key.slice(0, 12)} ${stage.where}${why}`);
    if (options.explain && stage.action === "run") for (const reason of stage.reasons) lines.push(`           - ${reason}`);
  }
  const runs = buildPlan.stages.filter((s) => s.action === "run").length;
  lines.push(runs === 0 ? "everything is up to date" : `${runs} of ${buildPlan.stages.length} stages to run`);
  return lines.join("\n") + "\n";
}
