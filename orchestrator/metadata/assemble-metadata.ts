// Builds metadata.json's value from plain facts, and keeps what an earlier write knew that this build could not see.
import type { BuildMetadata, FileDigest, StageRecord } from "./metadata-schema.js";
import { buildCommand, verifyCommand } from "./reproducer.js";
import type { BuildSelection } from "./reproducer.js";

export interface MetadataFacts {
  readonly toolVersion: string;
  readonly selection: BuildSelection;
  readonly metadataPath: string;
  readonly toolchain: BuildMetadata["toolchain"];
  readonly engine: BuildMetadata["engine"];
  readonly kernel: BuildMetadata["kernel"];
  readonly sources: BuildMetadata["sources"];
  readonly stages: readonly StageRecord[];
  readonly outputs: Readonly<Record<string, FileDigest>>;
  readonly builtAt: string;
}

export function assembleMetadata(facts: MetadataFacts): BuildMetadata {
  return {
    schema: "levitate-docker/metadata@2",
    tool: { name: "levitate-docker", version: facts.toolVersion },
    reproduce: {
      command: buildCommand(facts.selection),
      verify: verifyCommand(facts.metadataPath),
      config: facts.selection.config,
      profile: facts.selection.profile,
      flavour: facts.selection.flavour,
    },
    toolchain: facts.toolchain,
    engine: facts.engine,
    kernel: facts.kernel,
    sources: [...facts.sources],
    stages: [...facts.stages],
    outputs: { ...facts.outputs },
    builtAt: facts.builtAt,
  };
}

/**
 * A build where nothing ran never asks the engine, so it cannot see the toolchain image id or
 * the engine's version: when the previous metadata describes the same toolchain and the same
 * stage keys, its values stand instead of null. Never writes less than was known.
 */
export function keepKnown(next: BuildMetadata, previous: BuildMetadata | null): BuildMetadata {
  if (previous === null) return next;
  const sameToolchain = previous.toolchain.key === next.toolchain.key;
  const sameStages = JSON.stringify(previous.stages.map((s) => [s.name, s.key])) === JSON.stringify(next.stages.map((s) => [s.name, s.key]));
  return {
    ...next,
    toolchain: { ...next.toolchain, imageId: next.toolchain.imageId ?? (sameToolchain ? previous.toolchain.imageId : null) },
    engine: next.engine ?? (sameStages ? previous.engine : null),
    kernel: next.kernel ?? (sameStages ? previous.kernel : null),
  };
}
