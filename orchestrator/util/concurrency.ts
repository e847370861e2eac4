// Reading many small files at once without losing order: a limit on how many run, and results (or the first error) in input order.

/** Runs at most `max` of the functions given to it at a time, the rest in turn. */
export function limiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    // A finished task hands its place to the next one in line, so `running` never exceeds `max`.
    if (running < max) running++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next === undefined) running--;
      else next();
    }
  };
}

/**
 * Like Promise.all, but waits for every promise and rejects with the error of the first one in
 * input order: the error a user sees does not depend on which read happened to finish first.
 */
export async function allInOrder<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((result) => {
    if (result.status === "rejected") throw result.reason;
    return result.value;
  });
}
