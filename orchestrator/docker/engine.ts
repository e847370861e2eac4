// The Docker engine: the one module that imports dockerode; it checks the engine answers, then hands out resource clients.
import Docker from "dockerode";
import { UserError } from "../errors/errors.js";
import { containerClient } from "./container-client.js";
import { modemOptions } from "./dockerode-util.js";
import { describeEndpoint, howToStartEngine } from "./endpoint.js";
import type { Endpoint } from "./endpoint.js";
import { imageClient } from "./image-client.js";
import { newRunId } from "./labels.js";
import type { Engine, EngineInfo } from "./types.js";
import { volumeClient } from "./volume-client.js";

export interface CreateEngineOptions {
  readonly runId?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function createEngine(options: CreateEngineOptions = {}): Engine {
  const env = options.env ?? process.env;
  const runId = options.runId ?? newRunId();
  const endpoint = describeEndpoint(env);
  let docker: Docker;
  try {
    docker = new Docker(modemOptions(env));
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
  const connect = async (): Promise<Docker> => {
    await info();
    return docker;
  };
  const volumes = volumeClient(connect, runId);
  return { runId, info, images: imageClient(connect), volumes, containers: containerClient(connect, runId, volumes) };
}

async function loadInfo(docker: Docker, endpoint: Endpoint): Promise<EngineInfo> {
  let raw: Record<string, unknown>;
  let version: Record<string, unknown>;
  try {
    raw = (await docker.info()) as Record<string, unknown>;
    version = (await docker.version()) as unknown as Record<string, unknown>;
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
