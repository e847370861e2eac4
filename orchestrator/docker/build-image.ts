// `docker build` through dockerode: the context as a tar stream, the classic builder's progress as log lines.
import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import { interruptedBy, UserError } from "../errors/errors.js";
import { PLATFORM } from "./platform.js";
import { packInputs } from "./tar-inputs.js";
import type { BuildImageOptions } from "./types.js";
import { LABEL_TOOL } from "./types.js";

/** Builds and tags the image; a failure keeps the last lines of the build log in the error. */
export async function buildImage(docker: Docker, options: BuildImageOptions): Promise<void> {
  const context = packInputs(options.context);
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: options.tag,
    platform: PLATFORM,
    dockerfile: options.dockerfile ?? "Dockerfile",
    buildargs: { ...options.buildArgs },
    labels: { [LABEL_TOOL]: "1", ...options.labels },
    networkmode: options.network === "host" ? "host" : "default",
    rm: true,
    forcerm: true,
  } as Docker.ImageBuildOptions);
  const abort = () => (stream as unknown as Duplex).destroy(interruptedBy(options.signal));
  options.signal?.addEventListener("abort", abort, { once: true });
  const tail: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, events: { error?: string }[]) => {
          const failed = err ?? (events.find((e) => e.error) ? new Error(events.find((e) => e.error)!.error) : null);
          if (failed) reject(failed);
          else resolve();
        },
        (event: { stream?: string; error?: string; status?: string }) => {
          const text = event.stream ?? event.status ?? event.error ?? "";
          for (const line of text.split("\n")) {
            if (line.trim() === "") continue;
            tail.push(line);
            if (tail.length > 30) tail.shift();
            options.onLog?.(line);
          }
        },
      );
    });
  } catch (error) {
    if (options.signal?.aborted) throw interruptedBy(options.signal);
    throw new UserError(`building image ${options.tag} failed: ${(error as Error).message.trim()}`, {
      cause: error,
      details: tail.slice(-15),
    });
  } finally {
    options.signal?.removeEventListener("abort", abort);
  }
}
