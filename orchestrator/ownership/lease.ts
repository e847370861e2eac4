// An engine-wide lock: a named lease only one process can hold; a dead holder's lease is broken, a live one is waited for.
import { UserError, interruptedBy } from "../errors/errors.js";
import { throwIfCancelled } from "../util/until-cancelled.js";
import type { HostView, Owner } from "./owner.js";
import { LABEL_OWNER, currentOwner, describeOwner, formatOwner, liveness, parseOwner, thisHost } from "./owner.js";

/** Labels of a lease: what it is for (`build busybox`, `vm exec`), besides the owner. */
export const LABEL_LEASE_FOR = "levitate-docker.lease.for";
export const ROLE_LEASE = "lease";

/** A lease someone holds, as the engine shows it. */
export interface LeaseHolder {
  readonly id: string;
  /** Docker's state: "running" while the holder lives; "created" while it is being taken; "exited" once the holder is gone. */
  readonly state: string;
  readonly createdMs: number;
  readonly labels: Readonly<Record<string, string>>;
}

export interface HeldLease {
  readonly name: string;
  release(): Promise<void>;
}

/** Where leases live (the Docker engine: see docker/lease-containers.ts; tests: a map). */
export interface LeaseBackend {
  /** Takes the lease under `name`, held for as long as this process lives; null when the name is taken. */
  tryTake(name: string, labels: Readonly<Record<string, string>>): Promise<HeldLease | null>;
  look(name: string): Promise<LeaseHolder | null>;
  /** Removes that holder's lease (by id: a lease taken again meanwhile under the same name is not touched). */
  breakLease(id: string): Promise<void>;
}

export interface AcquireOptions {
  /** What the lease protects, for messages ("the build tree lv-work-busybox-…"). */
  readonly what: string;
  /** What this process does with it, recorded on the lease ("build busybox"). */
  readonly purpose: string;
  /** Wait for a live holder (default) or fail at once. */
  readonly wait: boolean;
  readonly onMessage?: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  /** How often to repeat the waiting message. */
  readonly remindMs?: number;
  readonly here?: HostView;
  readonly now?: () => number;
}

/** A lease still being taken ("created") belongs to its taker for this long; after that it was abandoned. */
export const TAKING_GRACE_MS = 30_000;

export type HolderVerdict = { readonly kind: "busy"; readonly owner: Owner | null; readonly purpose: string } | { readonly kind: "stale"; readonly why: string };

/** Whether a holder still holds its lease (pure). */
export function judgeHolder(holder: LeaseHolder, here: HostView, nowMs: number): HolderVerdict {
  const owner = parseOwner(holder.labels[LABEL_OWNER]);
  const purpose = holder.labels[LABEL_LEASE_FOR] ?? "another command";
  const who = owner === null ? "an unknown process" : describeOwner(owner);
  if (owner !== null && liveness(owner, here) === "dead") return { kind: "stale", why: `${purpose} (${who}), which is gone` };
  if (holder.state === "running") return { kind: "busy", owner, purpose };
  if (holder.state === "created" && nowMs - holder.createdMs < TAKING_GRACE_MS) return { kind: "busy", owner, purpose };
  return { kind: "stale", why: `${purpose} (${who}), which ended without releasing it` };
}

export async function acquireLease(backend: LeaseBackend, name: string, options: AcquireOptions): Promise<HeldLease> {
  const here = options.here ?? thisHost;
  const now = options.now ?? Date.now;
  const pollMs = options.pollMs ?? 1000;
  const remindMs = options.remindMs ?? 60_000;
  const labels = { [LABEL_OWNER]: formatOwner(currentOwner(here)), [LABEL_LEASE_FOR]: options.purpose };
  let remindedAt = -Infinity;
  const waitStarted = now();
  for (;;) {
    throwIfCancelled(options.signal);
    const held = await backend.tryTake(name, labels);
    if (held !== null) {
      if (remindedAt !== -Infinity) options.onMessage?.(`${options.what} is free now (waited ${Math.round((now() - waitStarted) / 1000)} s)`);
      return held;
    }
    const holder = await backend.look(name);
    if (holder === null) continue;
    const verdict = judgeHolder(holder, here, now());
    if (verdict.kind === "stale") {
      options.onMessage?.(`${options.what} was held by ${verdict.why}: taking it over`);
      await backend.breakLease(holder.id);
      continue;
    }
    const since = new Date(holder.createdMs).toISOString().slice(11, 19);
    const who = `${verdict.purpose} (${verdict.owner === null ? "an unknown process" : describeOwner(verdict.owner)}, since ${since} UTC)`;
    if (!options.wait) {
      throw new UserError(`${options.what} is in use by ${who}`, {
        details: ["wait for it to finish, or run again without --no-wait to wait for it"],
      });
    }
    if (now() - remindedAt >= remindMs) {
      remindedAt = now();
      options.onMessage?.(`waiting for ${who} to finish with ${options.what} (Ctrl-C to stop waiting)`);
    }
    await sleep(pollMs, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(interruptedBy(signal));
    }
    signal?.addEventListener("abort", abort, { once: true });
  });
}
