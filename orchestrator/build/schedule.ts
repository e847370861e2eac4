// Runs a dependency graph's tasks, each as soon as what it needs is done, at most `limit` at once (pure of I/O).

export interface GraphTask<N extends string> {
  readonly name: N;
  /** Tasks that must have finished first (each is in the graph). */
  readonly needs: readonly N[];
}

export interface ScheduleOptions<N extends string> {
  /** Most tasks running at the same time (1: one after another, in the given order). */
  readonly limit: number;
  /**
   * Among tasks that are ready, the larger runs first (e.g. how long it and what waits for it
   * take); ties keep the order the tasks were given in.
   */
  readonly priority?: (name: N) => number;
  /** Stops the schedule: no task starts after it aborts, and the running ones see it through their signal. */
  readonly signal?: AbortSignal;
  /** The error thrown when `signal` aborted between tasks (none failed); default: its reason. */
  readonly aborted?: (signal: AbortSignal) => Error;
}

/** The reason a running task's signal aborts with when another task failed (an abort from outside keeps its own reason). */
export class SiblingFailed extends Error {
  constructor(readonly failed: string) {
    super(`stopped: ${failed} failed`);
    this.name = "SiblingFailed";
  }
}

/**
 * Runs every task once, after everything it needs, at most `limit` at a time; resolves to the
 * results by name. When one fails, nothing more starts, the running ones are told to stop (their
 * signal aborts with a SiblingFailed reason) and waited for, and the first failure is thrown:
 * when this returns or throws, no task is still running.
 */
export async function runGraph<N extends string, T extends GraphTask<N>, R>(
  tasks: readonly T[],
  run: (task: T, signal: AbortSignal) => Promise<R>,
  options: ScheduleOptions<N>,
): Promise<Map<N, R>> {
  checkGraph(tasks);
  const limit = Math.max(1, Math.floor(options.limit));
  const order = new Map(tasks.map((task, index) => [task.name, index]));
  const rank = (task: T): number => options.priority?.(task.name) ?? 0;

  const stop = new AbortController();
  const outer = options.signal;
  const onOuterAbort = (): void => stop.abort(outer?.reason);
  if (outer?.aborted) stop.abort(outer.reason);
  else outer?.addEventListener("abort", onOuterAbort, { once: true });

  const results = new Map<N, R>();
  const waiting = [...tasks];
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | null = null;

  try {
    for (;;) {
      if (failure === null && !stop.signal.aborted) {
        const ready = waiting
          .filter((task) => task.needs.every((need) => results.has(need)))
          .sort((a, b) => rank(b) - rank(a) || (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
        for (const task of ready) {
          if (running.size >= limit) break;
          waiting.splice(waiting.indexOf(task), 1);
          const done: Promise<void> = run(task, stop.signal)
            .then(
              (result) => {
                results.set(task.name, result);
              },
              (error: unknown) => {
                if (failure === null) {
                  failure = { error };
                  if (!stop.signal.aborted) stop.abort(new SiblingFailed(task.name));
                }
              },
            )
            .then(() => {
              running.delete(done);
            });
          running.add(done);
        }
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
  } finally {
    outer?.removeEventListener("abort", onOuterAbort);
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  // Aborted before some task could start (an abort after the last one finished changes nothing).
  if (waiting.length > 0) throw (options.aborted ?? abortError)(stop.signal);
  return results;
}

/** Every need names a task of the graph, no name is repeated and nothing needs itself through others. */
function checkGraph<N extends string>(tasks: readonly GraphTask<N>[]): void {
  const names = new Set<N>();
  for (const task of tasks) {
    if (names.has(task.name)) throw new Error(`task ${task.name} is listed twice`);
    names.add(task.name);
  }
  for (const task of tasks) {
    for (const need of task.needs) if (!names.has(need)) throw new Error(`task ${task.name} needs ${need}, which is not in the graph`);
  }
  const state = new Map<N, "visiting" | "done">();
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const visit = (name: N, path: N[]): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Error(`tasks need each other: ${[...path, name].join(" -> ")}`);
    state.set(name, "visiting");
    for (const need of byName.get(name)?.needs ?? []) visit(need, [...path, name]);
    state.set(name, "done");
  };
  for (const task of tasks) visit(task.name, []);
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(`aborted: ${String(signal.reason)}`);
}
