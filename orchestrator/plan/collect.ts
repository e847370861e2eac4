// Reads what each stage of a build takes in: the toolchain recipe (once) and every stage's keyed inputs.
import type { Flavour, ResolvedConfig } from "../config/types.js";
import { invocationsFor } from "../stages/table.js";
import type { StageInvocation } from "../stages/stage.js";
import { toolchainRecipe } from "../toolchain/recipes.js";
import type { ImageRecipe } from "../toolchain/recipes.js";
import { allInOrder } from "../util/concurrency.js";
import { packageRoot } from "../util/package-root.js";
import { keyedInputs } from "./keyed-inputs.js";

export interface CollectedStage {
  readonly invocation: StageInvocation;
  /** Its own inputs, without the keys of the stages it needs (the planner adds those). */
  readonly inputs: Readonly<Record<string, string>>;
}

export interface CollectedInputs {
  readonly flavour: Flavour;
  /** The toolchain image every container stage runs in; the plan carries it to the executor. */
  readonly toolchain: ImageRecipe;
  /** In build order. */
  readonly stages: readonly CollectedStage[];
}

export async function collectInputs(config: ResolvedConfig, flavour: Flavour): Promise<CollectedInputs> {
  const toolchain = await toolchainRecipe(config);
  // Every stage's files are read at once: planning runs before every build, the no-op one too.
  const stages = await allInOrder(
    invocationsFor(config, flavour, packageRoot).map(async (invocation): Promise<CollectedStage> => ({ invocation, inputs: await keyedInputs(invocation, toolchain.key) })),
  );
  return { flavour, toolchain, stages };
}
