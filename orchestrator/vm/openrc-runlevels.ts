// When each OpenRC runlevel reached its last service: the times OpenRC marked its services started in the guest, put on the host's clock.
import type { TimedLine } from "./boot-timeline.js";

/** The runlevels a boot goes through, in order (shutdown is not part of a boot). */
const BOOT_RUNLEVELS = ["sysinit", "boot", "default"] as const;

/**
 * Run in the guest's shell once it has booted: its clock, then each started service of each
 * runlevel with the time OpenRC marked it started (the mtime of its link in
 * /run/openrc/started, on a tmpfs: a tick's resolution). Prints only lines of its own.
 */
export const RUNLEVEL_MARKS_COMMAND =
  'echo "levitate-now $EPOCHREALTIME"; ' +
  `for l in ${BOOT_RUNLEVELS.join(" ")}; do for s in /etc/runlevels/$l/*; do n=\${s##*/}; ` +
  '[ -L "/run/openrc/started/$n" ] && echo "levitate-started $l $n $(stat -c %y "/run/openrc/started/$n")"; done; done; true';

export interface RunlevelEnd {
  readonly runlevel: string;
  /** Host time (ms since the VM's start was asked for) at which its last service was marked started. */
  readonly atMs: number;
}

const NOW = /^levitate-now (\d+)\.(\d{1,9})$/;
/** BusyBox `stat -c %y`: "2026-12-02 05:29:44.121087333 +0000". */
const STARTED = /^levitate-started (\S+) (\S+) (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? ([+-])(\d\d)(\d\d)$/;

const fractionMs = (digits: string | undefined) => (digits === undefined ? 0 : Number(`0.${digits}`) * 1000);

/**
 * Each runlevel's end on the host's clock, in boot order, from the serial lines of
 * RUNLEVEL_MARKS_COMMAND: the guest's "now" line arrived at a known host time, so a mark made
 * d ms before it (guest clock) happened d ms before that arrival (the serial line's own delay,
 * a few ms, is the error). Runlevels without a started service are left out; null when the
 * guest's answer is not there or not understood (e.g. a shell without $EPOCHREALTIME).
 */
export function runlevelEnds(lines: readonly TimedLine[]): RunlevelEnd[] | null {
  let now: { guestMs: number; hostMs: number } | undefined;
  const last = new Map<string, number>();
  for (const { atMs, line } of lines) {
    const text = line.trim();
    const nowMatch = NOW.exec(text);
    if (nowMatch !== null) {
      now = { guestMs: Number(nowMatch[1]) * 1000 + fractionMs(nowMatch[2]), hostMs: atMs };
      continue;
    }
    const m = STARTED.exec(text);
    if (m === null) continue;
    const [, runlevel, , year, month, day, hour, minute, second, fraction, sign, offsetH, offsetM] = m;
    const offsetMs = (sign === "-" ? -1 : 1) * (Number(offsetH) * 60 + Number(offsetM)) * 60_000;
    const epochMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) + fractionMs(fraction) - offsetMs;
    last.set(runlevel!, Math.max(last.get(runlevel!) ?? -Infinity, epochMs));
  }
  if (now === undefined || last.size === 0) return null;
  const { guestMs, hostMs } = now;
  return BOOT_RUNLEVELS.filter((level) => last.has(level)).map((runlevel) => ({ runlevel, atMs: hostMs - (guestMs - last.get(runlevel)!) }));
}
