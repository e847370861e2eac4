// Every container, volume and image we create is labelled so `clean` can find leftovers.
import { randomBytes } from "node:crypto";
import { LABEL_ROLE, LABEL_RUN, LABEL_TOOL } from "./types.js";

export function newRunId(now: number = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(3).toString("hex")}`;
}

export function resourceLabels(
  runId: string,
  role: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { [LABEL_TOOL]: "1", [LABEL_RUN]: runId, [LABEL_ROLE]: role, ...extra };
}

/** Docker's `label` filter: ["k=v", "k"]. */
export function labelFilter(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels).map(([k, v]) => (v === "" ? k : `${k}=${v}`));
}
