// Removes containers whose owner is gone (a kill -9, a closed terminal): every command that talks to the engine runs it.
import type { HostView } from "./owner.js";
import { LABEL_OWNER, describeOwner, liveness, parseOwner, thisHost } from "./owner.js";
import { ROLE_LEASE } from "./lease.js";
import { LABEL_ROLE, LABEL_TOOL } from "./labels.js";

export interface OwnedContainer {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The two engine calls the reaper needs. */
export interface ReaperClient {
  list(labels: Readonly<Record<string, string>>, options: { all: boolean }): Promise<readonly OwnedContainer[]>;
  remove(id: string): Promise<void>;
}

export interface Orphan {
  readonly container: OwnedContainer;
  readonly why: string;
}

/**
 * Containers to remove (pure): those whose owner on this host is dead, and leases whose holder ended.
 * Owners on other hosts are left alone: their pids mean nothing here (the work-volume lease handles them).
 * Named VMs carry no owner: they outlive the command that started them on purpose.
 */
export function findOrphans(containers: readonly OwnedContainer[], here: HostView): Orphan[] {
  const found: Orphan[] = [];
  for (const container of containers) {
    const owner = parseOwner(container.labels[LABEL_OWNER]);
    const role = container.labels[LABEL_ROLE] ?? "?";
    if (owner !== null && liveness(owner, here) === "dead") {
      found.push({ container, why: `its owner (${describeOwner(owner)}) is gone` });
    } else if (role === ROLE_LEASE && container.state === "exited") {
      found.push({ container, why: "a lock whose holder ended" });
    }
  }
  return found;
}

/** Finds and removes orphans; returns what was removed. Failures to remove one are reported, not thrown. */
export async function reapOrphans(
  client: ReaperClient,
  options: { here?: HostView; onMessage?: (line: string) => void } = {},
): Promise<Orphan[]> {
  const containers = await client.list({ [LABEL_TOOL]: "1" }, { all: true });
  const orphans = findOrphans(containers, options.here ?? thisHost);
  const removed: Orphan[] = [];
  for (const orphan of orphans) {
    try {
      await client.remove(orphan.container.id);
      removed.push(orphan);
      const role = orphan.container.labels[LABEL_ROLE] ?? "container";
      options.onMessage?.(`removed ${role} container ${orphan.container.name} (${orphan.container.state}): ${orphan.why}`);
    } catch (error) {
      options.onMessage?.(`could not remove orphaned container ${orphan.container.name}: ${(error as Error).message}`);
    }
  }
  return removed;
}
