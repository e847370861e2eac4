// Named volumes: created with our labels when missing, listed by label, removed.
import { idempotent, orNullIfMissing } from "./docker-errors.js";
import type { Connect } from "./dockerode-util.js";
import { labelFilter, resourceLabels } from "./labels.js";
import type { VolumeClient } from "./types.js";

export function volumeClient(connect: Connect, runId: string): VolumeClient {
  const exists = async (name: string): Promise<boolean> => {
    const docker = await connect();
    return (await orNullIfMissing(() => docker.getVolume(name).inspect())) !== null;
  };
  return {
    exists,
    async ensure(name, labels = {}): Promise<void> {
      if (await exists(name)) return;
      const docker = await connect();
      await docker.createVolume({ Name: name, Labels: resourceLabels(runId, "cache", labels) });
    },
    async remove(name): Promise<void> {
      const docker = await connect();
      await idempotent(() => docker.getVolume(name).remove({ force: true }));
    },
    async list(labels) {
      const docker = await connect();
      const result = await docker.listVolumes({ filters: { label: labelFilter(labels) } });
      return (result.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
    },
  };
}
