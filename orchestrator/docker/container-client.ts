// Containers: one-shot runs (removed on every exit path), long-lived VMs, and their inspection and teardown.
import type { Readable } from "node:stream";
import { createContainer, uploadInputs } from "./container-create.js";
import { cancelledBeforeStart, engineLoss, launch, runToEnd } from "./container-run.js";
import type { Launched } from "./container-run.js";
import { attachStreams, logStream } from "./container-streams.js";
import { giveVolumesTo } from "./volume-owner.js";
import { warmContainer } from "./warm-container.js";
import { idempotent, orNullIfMissing } from "./docker-errors.js";
import type { Connect } from "./dockerode-util.js";
import { labelFilter } from "./labels.js";
import type { ContainerClient, ContainerState, ContainerSummary, VolumeClient } from "./types.js";

/** `endpoint` names the engine in what a run reports when the engine goes away under it. */
export function containerClient(connect: Connect, runId: string, volumes: VolumeClient, endpoint: string): ContainerClient {
  const get = async (nameOrId: string) => (await connect()).getContainer(nameOrId);
  const client: ContainerClient = {
    async run(spec, options = {}) {
      if (options.signal?.aborted) return cancelledBeforeStart(options.signal);
      const startedAt = Date.now();
      const docker = await connect();
      let container;
      try {
        container = await createContainer(docker, runId, volumes, spec);
      } catch (error) {
        const engineLost = await engineLoss(docker, endpoint);
        if (engineLost === null) throw error;
        return { ...cancelledBeforeStart(undefined), cancelled: false, cancelReason: null, durationMs: Date.now() - startedAt, engineLost };
      }
      return runToEnd(docker, runId, spec, container, { ...options, endpoint }, startedAt);
    },
    async prepare(spec) {
      const startedAt = Date.now();
      const docker = await connect();
      const container = await createContainer(docker, runId, volumes, spec);
      const remove = () => container.remove({ force: true, v: true }).then(() => undefined, () => undefined);
      let handed: { readonly removed: Promise<void> };
      let launched: Launched | undefined;
      try {
        handed = await giveVolumesTo(docker, runId, spec, container);
        // A command that reads its inputs from stdin can be started now: it waits there for them.
        if (spec.stdinOnce === true) launched = await launch(container);
      } catch (error) {
        await remove();
        throw error;
      }
      let used = false;
      return {
        run: async (options = {}) => {
          used = true;
          if (options.signal?.aborted) {
            launched?.stream.destroy();
            await Promise.all([remove(), handed.removed]);
            return cancelledBeforeStart(options.signal);
          }
          return runToEnd(docker, runId, spec, container, { ...options, endpoint }, startedAt, handed.removed, launched);
        },
        discard: async () => {
          if (used) return;
          used = true;
          launched?.stream.destroy();
          await Promise.all([remove(), handed.removed]);
        },
      };
    },
    async warm(spec, options) {
      return warmContainer(await connect(), runId, volumes, spec, {
        idleSeconds: options.idleSeconds,
        endpoint,
        runOnce: (runOptions) => client.run(spec, runOptions),
        ...(options.early === undefined ? {} : { early: options.early }),
      });
    },
    async start(spec, options = {}) {
      const docker = await connect();
      const container = await createContainer(docker, runId, volumes, spec);
      try {
        await uploadInputs(container, options.inputs, spec);
        await (await giveVolumesTo(docker, runId, spec, container)).removed;
        await container.start();
        return container.id;
      } catch (error) {
        await container.remove({ force: true }).catch(() => undefined);
        throw error;
      }
    },
    async attach(nameOrId) {
      return attachStreams(await connect(), await get(nameOrId));
    },
    async logs(nameOrId, options) {
      return logStream(await connect(), await get(nameOrId), options);
    },
    async inspect(nameOrId): Promise<ContainerState | null> {
      const container = await get(nameOrId);
      const info = await orNullIfMissing(() => container.inspect());
      if (info === null) return null;
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ""),
        image: info.Config.Image,
        running: info.State.Running,
        exitCode: info.State.Running ? null : info.State.ExitCode,
        labels: info.Config.Labels ?? {},
        startedAt: info.State.StartedAt,
        finishedAt: info.State.FinishedAt,
      };
    },
    async stop(nameOrId, timeoutSeconds) {
      const container = await get(nameOrId);
      await idempotent(() => container.stop({ t: timeoutSeconds }));
    },
    async kill(nameOrId) {
      const container = await get(nameOrId);
      await idempotent(() => container.kill());
    },
    async remove(nameOrId) {
      const container = await get(nameOrId);
      await idempotent(() => container.remove({ force: true, v: true }));
    },
    async wait(nameOrId) {
      const result = (await (await get(nameOrId)).wait()) as { StatusCode: number };
      return result.StatusCode;
    },
    async list(labels, options = {}): Promise<ContainerSummary[]> {
      const docker = await connect();
      const containers = await docker.listContainers({ all: options.all ?? true, filters: { label: labelFilter(labels) } });
      return containers.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? "").replace(/^\//, ""),
        image: c.Image,
        state: c.State,
        status: c.Status,
        labels: c.Labels ?? {},
        created: c.Created,
      }));
    },
    async getArchive(nameOrId, path) {
      return (await (await get(nameOrId)).getArchive({ path })) as unknown as Readable;
    },
  };
  return client;
}
