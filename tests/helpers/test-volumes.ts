// Removes the volumes a throwaway project's builds made (LEVITATE_VOLUME_PREFIX), so tests leave no work volumes behind.
import { LABEL_TOOL } from "../../orchestrator/docker/types.js";
import type { Engine } from "../../orchestrator/docker/types.js";

/** Removes every levitate-docker volume named `${prefix}-…`; returns their names. */
export async function removeVolumesWithPrefix(engine: Engine, prefix: string): Promise<string[]> {
  const names = (await engine.volumes.list({ [LABEL_TOOL]: "1" })).map((v) => v.name).filter((name) => name.startsWith(`${prefix}-`));
  for (const name of names) await engine.volumes.remove(name);
  return names;
}
