// Removes the volumes a throwaway project's builds made (LEVITATE_VOLUME_PREFIX), and its warm iso containers, so tests leave no work volumes behind.
import { LABEL_PROJECT } from "../../orchestrator/ownership/labels.js";
import { LABEL_ROLE, LABEL_TOOL } from "../../orchestrator/docker/types.js";
import { ROLE_WARM } from "../../orchestrator/docker/warm-container.js";
import type { Engine } from "../../orchestrator/docker/types.js";

/** Removes the warm iso containers (kept by a project's builds for the next one) of the projects named `prefix` or `${prefix}-…`. */
export async function removeWarmContainers(engine: Engine, prefix: string): Promise<void> {
  for (const warm of await engine.containers.list({ [LABEL_TOOL]: "1", [LABEL_ROLE]: ROLE_WARM }, { all: true })) {
    const project = warm.labels[LABEL_PROJECT] ?? "";
    if (project === prefix || project.startsWith(`${prefix}-`)) await engine.containers.remove(warm.id);
  }
}

/** Removes the projects' warm containers (removeWarmContainers), then every levitate-docker volume named `${prefix}-…`; returns the volumes' names. */
export async function removeVolumesWithPrefix(engine: Engine, prefix: string): Promise<string[]> {
  await removeWarmContainers(engine, prefix);
  const names = (await engine.volumes.list({ [LABEL_TOOL]: "1" })).map((v) => v.name).filter((name) => name.startsWith(`${prefix}-`));
  for (const name of names) await engine.volumes.remove(name);
  return names;
}
