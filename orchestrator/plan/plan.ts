// Plan, then execute: decides which stages run and why, from inputs and what is cached (pure).
import type { Flavour } from "../config/types.js";
import { hashInputs } from "../hash/sha256.js";
import type { StageInvocation, StageName } from "../stages/stage.js";
import type { ImageRecipe } from "../toolchain/recipes.js";
import type { CollectedInputs } from "./collect.js";

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
  /** Exactly what the executor ships to the stage (what `inputs` hash). */
  readonly invocation: StageInvocation;
  readonly action: "run" | "cached";
  /** Why it runs ("file:linux/levitate.config changed"), or "up to date". */
  readonly reasons: readonly string[];
}

export interface BuildPlan {
  readonly flavour: Flavour;
  /** The toolchain image, computed once: the tag the plan shows is the one the executor builds and runs. */
  readonly toolchain: ImageRecipe;
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
  const byName = new Map(collected.stages.map((s) => [s.invocation.name, s]));
  const wanted = new Set<StageName>();
  const want = (name: StageName): void => {
    if (wanted.has(name)) return;
    const stage = byName.get(name);
    if (stage === undefined) throw new Error(`no inputs collected for stage ${name}`);
    wanted.add(name);
    for (const need of stage.invocation.needs) want(need);
  };
  for (const name of options.only ?? [...byName.keys()]) want(name);

  const keys = new Map<StageName, string>();
  const planned: PlannedStage[] = [];
  for (const { invocation, inputs: own } of collected.stages) {
    if (!wanted.has(invocation.name)) continue;
    const inputs: Record<string, string> = { ...own };
    for (const need of invocation.needs) {
      const key = keys.get(need);
      if (key === undefined) throw new Error(`stage ${invocation.name} needs ${need}, which is not planned before it`);
      inputs[`stage:${need}`] = key;
    }
    const key = hashInputs(inputs);
    keys.set(invocation.name, key);
    const forced = options.force === true && (options.only === undefined || options.only.includes(invocation.name));
    const cached = !forced && cache.has(invocation.name, key);
    let reasons: string[];
    if (cached) reasons = ["up to date"];
    else if (forced) reasons = ["--force"];
    else {
      reasons = describeChanges(cache.lastInputs(invocation.name), inputs);
      if (reasons.length === 0) reasons = ["inputs unchanged, but no finished artifact (removed or interrupted)"];
    }
    planned.push({
      name: invocation.name,
      where: invocation.where,
      needs: invocation.needs,
      key,
      inputs,
      invocation,
      action: cached ? "cached" : "run",
      reasons,
    });
  }
  return { flavour: collected.flavour, toolchain: collected.toolchain, stages: planned };
}

/** The plan as text, for `build --dry-run` (and golden tests). */
export function formatPlan(buildPlan: BuildPlan, options: { explain?: boolean } = {}): string {
  const lines = [`flavour: ${buildPlan.flavour}   toolchain: ${buildPlan.toolchain.tag}`];
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
