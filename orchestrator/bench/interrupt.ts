// Ctrl-C or SIGTERM during a bench: each child it waits on is stopped once, and its finally blocks remove what it made.
const controller = new AbortController();
let received: NodeJS.Signals | null = null;

/**
 * execa options for every child the bench waits on. Its own process group: a terminal's Ctrl-C
 * reaches only the bench, which then stops each child with one SIGTERM (a levitate-docker child
 * cleans up on its first signal and quits at once on a second). Not for the cleanup's own commands.
 */
export const benchChild = { cancelSignal: controller.signal, detached: true } as const;

/** On the containers this bench creates with plain docker commands, so that its end can remove any it lost track of. */
export const BENCH_LABEL = `levitate-docker.bench=${process.pid}`;

/** The first SIGINT or SIGTERM stops the children; a second quits at once. */
export function stopOnSignals(log: (line: string) => void, leftBehind: () => string): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== null) {
      log(`${signal} again: quitting at once; ${leftBehind()}`);
      process.exit(exitCodeFor(signal));
    }
    received = signal;
    log(`${signal}: stopping; removing what this bench made (press again to quit at once)`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** The signal that stopped the bench, or null. */
export function interruptedBy(): NodeJS.Signals | null {
  return received;
}

export function exitCodeFor(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? 143 : 130;
}
