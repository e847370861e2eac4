// Host work that cannot itself be stopped (a read, a compression on zlib's threads) still ends a cancelled build at once.
import { interruptedBy } from "../errors/errors.js";

/**
 * The value of `work`, or InterruptedError as soon as `signal` is aborted (before or while it runs):
 * the caller stops waiting, and what `work` still produces is dropped. Throws at once if already aborted.
 */
export async function untilCancelled<T>(work: T | Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) throw interruptedBy(signal);
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    onAbort = () => reject(interruptedBy(signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, cancelled]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
}

/** Throws InterruptedError when `signal` is aborted: a check between the steps of host work. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedBy(signal);
}
