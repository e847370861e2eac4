// Who owns a container or a lock: host, pid and the process's start time, so a dead owner (or a reused pid) is recognised.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { isErrno } from "../util/atomic.js";

/** The label every container we run (and every lock) carries: `host/pid/start`. */
export const LABEL_OWNER = "levitate-docker.owner";

export interface Owner {
  readonly host: string;
  readonly pid: number;
  /** `<boot id>-<start ticks>` from /proc on Linux; "" where the host cannot tell (then pid liveness decides). */
  readonly start: string;
}

/** What this host can say about its own processes (real: /proc or kill(pid, 0); tests: a fake). */
export interface HostView {
  readonly host: string;
  /** The start stamp of a live pid, null when no such process runs, undefined when the host cannot tell start times. */
  startOf(pid: number): string | null | undefined;
  /** Whether the pid exists at all (for hosts without start stamps). */
  isAlive(pid: number): boolean;
}

export type Liveness = "alive" | "dead" | "unknown";

export function formatOwner(owner: Owner): string {
  return `${owner.host}/${owner.pid}/${owner.start}`;
}

/** The owner recorded in a label value, or null when the value is not one of ours. */
export function parseOwner(value: string | undefined): Owner | null {
  if (value === undefined) return null;
  const match = /^([^/]+)\/(\d+)\/([^/]*)$/.exec(value);
  if (match === null) return null;
  return { host: match[1]!, pid: Number(match[2]), start: match[3]! };
}

/**
 * Alive, dead, or unknown (another host: its pids mean nothing here). On this host a pid that
 * runs but started at another time is a reused pid, so its owner is dead.
 */
export function liveness(owner: Owner, here: HostView): Liveness {
  if (owner.host !== here.host) return "unknown";
  const start = here.startOf(owner.pid);
  if (start === undefined || owner.start === "") return here.isAlive(owner.pid) ? "alive" : "dead";
  if (start === null) return "dead";
  return start === owner.start ? "alive" : "dead";
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); the name in field 2 may hold spaces and ")". */
export function startTicksFromStat(stat: string): string | null {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const ticks = fields[19];
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : null;
}

let bootId: string | null | undefined;

function readBootId(): string | null {
  bootId ??= (() => {
    try {
      return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim().slice(0, 8);
    } catch {
      return null;
    }
  })();
  return bootId;
}

/** This machine, seen through /proc where there is one. */
export const thisHost: HostView = {
  host: hostname(),
  startOf(pid) {
    const boot = readBootId();
    if (boot === null) return undefined;
    try {
      const ticks = startTicksFromStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
      return ticks === null ? undefined : `${boot}-${ticks}`;
    } catch (error) {
      return isErrno(error, "ENOENT") || isErrno(error, "ESRCH") ? null : undefined;
    }
  },
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return !isErrno(error, "ESRCH");
    }
  },
};

/** This process as an owner. */
export function currentOwner(here: HostView = thisHost): Owner {
  return { host: here.host, pid: process.pid, start: here.startOf(process.pid) ?? "" };
}

/** "pid 123 on host build-1" for messages. */
export function describeOwner(owner: Owner): string {
  return `pid ${owner.pid} on host ${owner.host}`;
}
