// Small translations between dockerode's conventions and ours (errors, env, log framing).
import type Docker from "dockerode";
import { orNullIfMissing } from "./docker-errors.js";

/** dockerode reads process.env itself; an explicit env (tests, embedding) is translated here. */
export function modemOptions(env: NodeJS.ProcessEnv): Docker.DockerOptions | undefined {
  const host = env.DOCKER_HOST;
  if (env === process.env || host === undefined || host === "") return undefined;
  if (host.startsWith("unix://")) return { socketPath: host.slice("unix://".length) };
  const url = new URL(host);
  if (url.protocol === "ssh:") return { protocol: "ssh", host: url.hostname, port: Number(url.port || 22), username: url.username };
  const tls = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== "" && env.DOCKER_TLS_VERIFY !== "0";
  return { protocol: tls ? "https" : "http", host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)) };
}

export async function exists(container: Docker.Container, path: string): Promise<boolean> {
  const found = await orNullIfMissing(async () => {
    // A HEAD request that dockerode hands back as a response stream: it must be consumed and
    // closed, or its socket keeps the process alive until the engine drops it minutes later.
    const response = (await container.infoArchive({ path })) as unknown as NodeJS.ReadableStream & { destroy?: () => void };
    response.resume();
    response.destroy?.();
    return true;
  });
  return found === true;
}

/** The dockerode client, once the engine has answered (every client call goes through this). */
export type Connect = () => Promise<Docker>;
