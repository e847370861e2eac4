// What a stage that runs in the toolchain container declares: its source, inputs and environment.
import type { ResolvedConfig, SourcePin } from "../config/types.js";
import type { InputFile } from "../docker/types.js";
import type { StageName } from "../plan/stages.js";

export interface ContainerStage {
  readonly name: StageName;
  /** The pinned source tarball it builds, if any. */
  source(config: ResolvedConfig): SourcePin | null;
  /** Files uploaded into /in besides stage.sh; `artifacts` maps a needed stage to its artifact dir. */
  inputs(config: ResolvedConfig, artifacts: ReadonlyMap<StageName, string>): InputFile[];
  /** Stage-specific environment. */
  env(config: ResolvedConfig): Record<string, string>;
}
