// `docker push` / `docker pull` through dockerode: the engine moves the image with the credentials we hand it.
import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import { interruptedBy, UserError } from "../errors/errors.js";
import type { RegistryAuth } from "./types.js";

interface TransferOptions {
  readonly auth?: RegistryAuth;
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Follows the engine's progress stream; an `error` event in it is a failure (a push can fail with HTTP 200). */
async function follow(docker: Docker, stream: NodeJS.ReadableStream, what: string, options: TransferOptions): Promise<void> {
  const abort = () => (stream as unknown as Duplex).destroy(interruptedBy(options.signal));
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, events: { error?: string }[]) => {
          const failed = err ?? (events.find((e) => e.error) ? new Error(events.find((e) => e.error)!.error) : null);
          if (failed) reject(failed);
          else resolve();
        },
        (event: { status?: string; id?: string; progress?: string }) => {
          if (event.status !== undefined && event.progress === undefined) options.onLog?.(`${event.id === undefined ? "" : `${event.id}: `}${event.status}`);
        },
      );
    });
  } catch (error) {
    if (options.signal?.aborted) throw interruptedBy(options.signal);
    throw new UserError(`${what} failed: ${(error as Error).message.trim()}`, { cause: error });
  } finally {
    options.signal?.removeEventListener("abort", abort);
  }
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
