// The engine's progress stream (build, push, pull) followed to its end: an `error` event fails it, an abort stops it.
import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import { interruptedBy, UserError } from "../errors/errors.js";
import { throwIfCancelled } from "../util/until-cancelled.js";

export interface ProgressEvent {
  readonly stream?: string;
  readonly status?: string;
  readonly error?: string;
  readonly id?: string;
  readonly progress?: string;
}

/**
 * Resolves when the stream ends without an error event (a push can fail with HTTP 200 and an
 * error in the stream); `what` fails as a UserError ("building image X failed: ..."), with
 * `details()` under it; an abort is an InterruptedError carrying the signal's reason.
 */
export async function followProgress(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  what: string,
  options: { readonly onEvent?: (event: ProgressEvent) => void; readonly details?: () => readonly string[]; readonly signal?: AbortSignal | undefined },
): Promise<void> {
  const abort = () => (stream as unknown as Duplex).destroy(interruptedBy(options.signal));
  options.signal?.addEventListener("abort", abort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, events: ProgressEvent[]) => {
          const errorEvent = events.find((e) => e.error);
          const failed = err ?? (errorEvent ? new Error(errorEvent.error) : null);
          if (failed) reject(failed);
          else resolve();
        },
        (event: ProgressEvent) => options.onEvent?.(event),
      );
    });
  } catch (error) {
    throwIfCancelled(options.signal);
    throw new UserError(`${what} failed: ${(error as Error).message.trim()}`, { cause: error, details: options.details?.() ?? [] });
  } finally {
    options.signal?.removeEventListener("abort", abort);
  }
}
