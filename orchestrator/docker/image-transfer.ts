// `docker push` / `docker pull` through dockerode: the engine moves the image with the credentials we hand it.
import type Docker from "dockerode";
import { UserError } from "../errors/errors.js";
import { followProgress } from "./follow-progress.js";
import type { RegistryAuth } from "./types.js";

interface TransferOptions {
  readonly auth?: RegistryAuth;
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Status lines (not the progress bars) go to onLog. */
function follow(docker: Docker, stream: NodeJS.ReadableStream, what: string, options: TransferOptions): Promise<void> {
  return followProgress(docker, stream, what, {
    onEvent: (event) => {
      if (event.status !== undefined && event.progress === undefined) options.onLog?.(`${event.id === undefined ? "" : `${event.id}: `}${event.status}`);
    },
    signal: options.signal,
  });
}

// The engine wants X-Registry-Auth on a push even when anonymous: "{}" then, as the docker CLI sends.
const authOf = (options: TransferOptions) => ({ authconfig: options.auth ?? {} });

export async function pushImage(docker: Docker, ref: string, options: TransferOptions): Promise<void> {
  const what = `pushing ${ref} through the engine`;
  const stream = await started(what, () => docker.getImage(ref).push(authOf(options)) as Promise<NodeJS.ReadableStream>);
  await follow(docker, stream, what, options);
}

export async function pullImage(docker: Docker, ref: string, options: TransferOptions): Promise<void> {
  const what = `pulling ${ref} through the engine`;
  const stream = await started(what, () => docker.pull(ref, authOf(options)) as Promise<NodeJS.ReadableStream>);
  await follow(docker, stream, what, options);
}

/** The engine's refusal to start a transfer, as a user error naming the image. */
async function started(what: string, start: () => Promise<NodeJS.ReadableStream>): Promise<NodeJS.ReadableStream> {
  try {
    return await start();
  } catch (error) {
    throw new UserError(`${what} failed: ${(error as Error).message.trim()}`, { cause: error });
  }
}

export async function tagImage(docker: Docker, source: string, target: string): Promise<void> {
  const at = target.lastIndexOf(":");
  const slash = target.lastIndexOf("/");
  const [repo, tag] = at > slash ? [target.slice(0, at), target.slice(at + 1)] : [target, "latest"];
  await docker.getImage(source).tag({ repo, tag });
}
