// Before a stage touches its build tree (a work volume): hold the tree's lease, and stop whatever else still runs on it.
import { describeOwner, parseOwner, LABEL_OWNER } from "./owner.js";
import { acquireLease } from "./lease.js";
import type { HeldLease, LeaseBackend } from "./lease.js";
import type { ReaperClient } from "./reaper.js";

/** What holding a tree needs of the engine (docker/'s Engine has it): leases, and listing and removing containers. */
export interface WorkTreeEngine {
  leases(image: string): LeaseBackend;
  readonly containers: ReaperClient;
}

/** Stage containers name the work volume they build in, so strays on a tree can be found. */
export const LABEL_WORK_VOLUME = "levitate-docker.work";

export interface HoldWorkTreeOptions {
  /** An image with `cat` for the lease container (the toolchain). */
  readonly image: string;
  readonly volume: string;
  /** "build busybox": recorded on the lease, shown to whoever waits. */
  readonly purpose: string;
  readonly wait: boolean;
  readonly onMessage: (line: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Holds the lease `<volume>.lock`. Two builds of one project (same volume prefix) take turns;
 * different projects use other volumes and run side by side. Once held, any container still
 * building on the tree belongs to a holder that is gone (possibly on another host): it is
 * stopped and removed before the tree is used, so two builds never race in one tree.
 */
export async function holdWorkTree(engine: WorkTreeEngine, options: HoldWorkTreeOptions): Promise<HeldLease> {
  const held = await acquireLease(engine.leases(options.image), `${options.volume}.lock`, {
    what: `the build tree ${options.volume}`,
    purpose: options.purpose,
    wait: options.wait,
    onMessage: options.onMessage,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  try {
    for (const stray of await engine.containers.list({ [LABEL_WORK_VOLUME]: options.volume }, { all: true })) {
      const owner = parseOwner(stray.labels[LABEL_OWNER]);
      await engine.containers.remove(stray.id);
      options.onMessage(
        `removed container ${stray.name} (${stray.state}) left on ${options.volume} by ${owner === null ? "an unknown process" : describeOwner(owner)}; its half-built tree is reused incrementally`,
      );
    }
  } catch (error) {
    await held.release();
    throw error;
  }
  return held;
}
