// The stage table: every stage, in build order, each one declaration. Adding a stage is one entry here and one module.
import type { Flavour, ResolvedConfig } from "../config/types.js";
import { busyboxStage } from "./busybox.js";
import { grubStage } from "./grub.js";
import { initramfsStage } from "./initramfs.js";
import { isoStage } from "./iso.js";
import { linuxStage } from "./linux.js";
import { openrcStage } from "./openrc.js";
import type { StageDefinition, StageInvocation, StageName } from "./stage.js";

/** Dependencies first: a stage comes after every stage it needs. */
export const STAGE_TABLE: readonly StageDefinition[] = [busyboxStage, openrcStage, initramfsStage, linuxStage, grubStage, isoStage];

/** Where a container stage finds its script, its source and its build tree. */
export const STAGE_SCRIPT_DIR = "images/stages";

export function isStageName(value: string): value is StageName {
  return STAGE_TABLE.some((s) => s.name === value);
}

/** A stage's cold time from its declaration (ms): what orders the stages this machine has not timed yet. */
export function coldEstimateMs(name: StageName): number {
  return (STAGE_TABLE.find((s) => s.name === name)?.coldSeconds ?? 0) * 1000;
}

/** The stages a flavour builds, in build order. */
export function stagesFor(flavour: Flavour): StageDefinition[] {
  return STAGE_TABLE.filter((s) => s.flavours === undefined || s.flavours.includes(flavour));
}

/** Every stage of the flavour, fully resolved for this config. */
export function invocationsFor(config: ResolvedConfig, flavour: Flavour, scriptRoot: string): StageInvocation[] {
  return stagesFor(flavour).map((definition) => invoke(definition, config, flavour, scriptRoot));
}

function invoke(definition: StageDefinition, config: ResolvedConfig, flavour: Flavour, scriptRoot: string): StageInvocation {
  const part = definition.invoke(config, flavour);
  const source = part.source ?? null;
  const container = definition.where === "container";
  if (definition.buildTree === false && source !== null) {
    throw new Error(`stage ${definition.name} has a source but no build tree: sources live in the tree's volumes`);
  }
  if (definition.keepWarm === true && (!container || definition.buildTree !== false)) {
    throw new Error(`stage ${definition.name} is kept warm but has a build tree (or runs on the host): a warm container mounts no volume`);
  }
  const script = { role: "script", path: "stage.sh", hostPath: `${scriptRoot}/${STAGE_SCRIPT_DIR}/${definition.name}.sh`, mode: 0o755 };
  return {
    name: definition.name,
    where: definition.where,
    summary: definition.summary,
    needs: part.needs ?? [],
    files: [...(container ? [script] : []), ...(part.files ?? [])],
    env: container ? { ...commonEnv(definition.name, source), ...part.env } : {},
    source,
    values: part.values ?? {},
    outputs: definition.outputs,
    published: definition.published ?? [],
    buildTree: container && definition.buildTree !== false,
    keepWarm: definition.keepWarm === true,
  };
}

/** What every container stage is told: its name, a fixed clock, and where its source tarball is. */
function commonEnv(name: StageName, source: StageInvocation["source"]): Record<string, string> {
  return {
    STAGE: name,
    SOURCE_DATE_EPOCH: "0",
    ...(source === null ? {} : { SRC: `${sourceDir(source.sha256)}/${source.file}`, SRC_SHA256: source.sha256, SRC_VERSION: source.version }),
  };
}

/** Sources live in the sources volume by content: /sources/<sha256>/<file>. */
export function sourceDir(sha256: string): string {
  return `/sources/${sha256}`;
}
