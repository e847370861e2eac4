// The Docker engine: the one module that loads dockerode; it checks the engine answers, then hands out resource clients.
import type Docker from "dockerode";
import { UserError } from "../errors/errors.js";
import { containerClient } from "./container-client.js";
import { modemOptions } from "./dockerode-util.js";
import { loadDockerode } from "./load-dockerode.js";
import { describeEndpoint, howToStartEngine } from "./endpoint.js";
import type { Endpoint } from "./endpoint.js";
import { imageClient } from "./image-client.js";
import { labelFilter, newRunId } from "./labels.js";
import { ContainerLeases } from "./lease-containers.js";
import { idempotent } from "./docker-errors.js";
import { reapOrphans } from "../ownership/reaper.js";
import { noteContainerUser } from "../ownership/engine-users.js";
import { cacheRoot } from "../util/cache-root.js";
import type { ReaperClient } from "../ownership/reaper.js";
import type { Engine, EngineInfo } from "./types.js";
import { volumeClient } from "./volume-client.js";

export interface CreateEngineOptions {
  readonly runId?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Where to say what the orphan reaper removed (default: stderr). */
  readonly onNotice?: (line: string) => void;
  /** Skip reaping orphans on first contact (tests that watch orphans on purpose). */
  readonly reap?: boolean;
}

export function createEngine(options: CreateEngineOptions = {}): Engine {
  const env = options.env ?? process.env;
  const runId = options.runId ?? newRunId();
  const endpoint = describeEndpoint(env);
  let docker: Docker;
  try {
    const DockerClient = loadDockerode();
    docker = new DockerClient(modemOptions(env));
  } catch (error) {
    throw new UserError(`DOCKER_HOST is not usable: ${(error as Error).message}`, { cause: error });
  }
  let reachable: Promise<EngineInfo> | null = null;
  const info = (): Promise<EngineInfo> => {
    reachable ??= loadInfo(docker, endpoint).catch((error: unknown) => {
      reachable = null;
      throw error;
    });
    return reachable;
  };
  // Every command that talks to the engine first removes containers whose owner is gone (a kill -9, a closed terminal).
  let reaped: Promise<unknown> | null = options.reap === false ? Promise.resolve() : null;
  const notice = options.onNotice ?? ((line: string) => void process.stderr.write(`note: ${line}\n`));
  const connect = async (): Promise<Docker> => {
    await info();
    noteContainerUser(cacheRoot(env));
    reaped ??= reapOrphans(reaperClient(docker), { onMessage: notice }).catch((error: unknown) => {
      notice(`could not look for orphaned containers: ${(error as Error).message}`);
    });
    await reaped;
    return docker;
  };
  const volumes = volumeClient(connect, runId);
  return {
    runId,
    info,
    images: imageClient(connect),
    volumes,
    containers: containerClient(connect, runId, volumes, endpoint.description),
    leases: (image) => new ContainerLeases(connect, runId, image),
    reapOrphans: async () => {
      await connect();
    },
  };
}

/** The reaper's two calls, straight on dockerode (the clients above wait for the reaper). */
function reaperClient(docker: Docker): ReaperClient {
  return {
    async list(labels, options) {
      const found = await docker.listContainers({ all: options.all, filters: { label: labelFilter(labels) } });
      return found.map((c) => ({ id: c.Id, name: (c.Names[0] ?? "").replace(/^\//, ""), state: c.State, labels: c.Labels ?? {} }));
    },
    async remove(id) {
      await idempotent(() => docker.getContainer(id).remove({ force: true, v: true }));
    },
  };
}

async function loadInfo(docker: Docker, endpoint: Endpoint): Promise<EngineInfo> {
  let raw: Record<string, unknown>;
  let version: Record<string, unknown>;
  try {
    const answers = await Promise.all([docker.info(), docker.version()]);
    raw = answers[0] as Record<string, unknown>;
    version = answers[1] as unknown as Record<string, unknown>;
  } catch (error) {
    const reason = (error as Error).message.split("\n")[0];
    throw new UserError(`cannot reach a Docker engine at ${endpoint.description} (${endpoint.source}): ${reason}`, {
      cause: error,
      details: howToStartEngine(),
    });
  }
  return {
    id: String(raw.ID ?? ""),
    name: String(raw.Name ?? ""),
    serverVersion: String(raw.ServerVersion ?? ""),
    apiVersion: String(version.ApiVersion ?? ""),
    os: String(raw.OperatingSystem ?? ""),
    architecture: String(raw.Architecture ?? ""),
    kernel: String(raw.KernelVersion ?? ""),
    cpus: Number(raw.NCPU ?? 0),
    memoryBytes: Number(raw.MemTotal ?? 0),
    storageDriver: String(raw.Driver ?? ""),
    dockerRootDir: String(raw.DockerRootDir ?? ""),
    endpoint: endpoint.description,
  };
}
