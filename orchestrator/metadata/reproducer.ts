// The command lines metadata.json records: the build that makes the same outputs, and the check that proves it.
import type { Flavour } from "../config/types.js";

export interface BuildSelection {
  /** Project-relative config path (config/levitate.yaml is the default and is left out). */
  readonly config: string;
  readonly profile: string | null;
  readonly flavour: Flavour;
}

const DEFAULT_CONFIG = "config/levitate.yaml";

/** Quotes a word for a POSIX shell only when it needs it. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function buildCommand(selection: BuildSelection): string {
  const words = ["levitate-docker", "build"];
  if (selection.config !== DEFAULT_CONFIG) words.push("--config", selection.config);
  if (selection.profile !== null) words.push("--profile", selection.profile);
  if (selection.flavour === "minimal") words.push("--minimal");
  return words.map(shellWord).join(" ");
}

export function verifyCommand(metadataPath: string): string {
  return ["levitate-docker", "reproduce", metadataPath].map(shellWord).join(" ");
}
