// When each OpenRC runlevel reached its last service: the times OpenRC marked its services started, against the console shell's start, on the guest's clocks.
import type { TimedLine } from "./boot-timeline.js";

/** The runlevels a boot goes through, in order (shutdown is not part of a boot). */
const BOOT_RUNLEVELS = ["sysinit", "boot", "default"] as const;

/**
 * Run in the guest's shell once it has booted: the console shell's start on the guest's clock,
 * then each started service of each runlevel with the time OpenRC marked it started (the mtime of
 * its link in /run/openrc/started, on a tmpfs: a tick's resolution). Prints only lines of its own.
 *
 * The shell's start: /proc/$$/stat gives it in clock ticks since boot (field 22; USER_HZ, 100 on
 * Linux x86), /proc/uptime the boot clock now, $EPOCHREALTIME the wall clock now (builtins only,
 * so the two are read within microseconds). `$$` is the console shell even in `vm exec`'s subshell.
 */
export const RUNLEVEL_MARKS_COMMAND =
  'read -r up idle < /proc/uptime; now=$EPOCHREALTIME; read -r stat < /proc/$$/stat; set -- $stat; ' +
  'echo "levitate-shell $now $up ${22}"; ' +
  `for l in ${BOOT_RUNLEVELS.join(" ")}; do for s in /etc/runlevels/$l/*; do n=\${s##*/}; ` +
  '[ -L "/run/openrc/started/$n" ] && echo "levitate-started $l $n $(stat -c %y "/run/openrc/started/$n")"; done; done; true';

export interface RunlevelEnd {
  readonly runlevel: string;
  /** How long (ms, guest clock) before the console shell started its last service was marked started. */
  readonly beforeShellMs: number;
}

/** USER_HZ: the unit of a process's start time in /proc/PID/stat. */
const TICKS_PER_SECOND = 100;
/** "levitate-shell WALL_NOW BOOT_NOW SHELL_START_TICKS": $EPOCHREALTIME, /proc/uptime's first field, /proc/$$/stat's 22nd. */
const SHELL = /^levitate-shell (\d+)\.(\d{1,9}) (\d+)(?:\.(\d{1,9}))? (\d+)$/;
/** BusyBox `stat -c %y`: "2026-12-02 05:29:44.121087333 +0000". */
const STARTED = /^levitate-started (\S+) (\S+) (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? ([+-])(\d\d)(\d\d)$/;

const fractionMs = (digits: string | undefined) => (digits === undefined ? 0 : Number(`0.${digits}`) * 1000);

/**
 * Each runlevel's end as a time before the console shell's start, in boot order, from the
 * serial lines of RUNLEVEL_MARKS_COMMAND; all on the guest's clocks. BusyBox init starts the
 * shell once OpenRC's last runlevel is done, and the shell's prompt marks that moment on the
 * host (bootTimeline puts the ends there): nothing depends on when these lines reach the host.
 * Runlevels without a started service are left out; null when the guest's answer is not there
 * or not understood (e.g. a shell without $EPOCHREALTIME).
 */
export function runlevelEnds(lines: readonly TimedLine[]): RunlevelEnd[] | null {
  let shellStartMs: number | undefined;
  const last = new Map<string, number>();
  for (const { line } of lines) {
    const text = line.trim();
    const shell = SHELL.exec(text);
    if (shell !== null) {
      const [, wallSeconds, wallFraction, bootSeconds, bootFraction, startTicks] = shell;
      const wallNowMs = Number(wallSeconds) * 1000 + fractionMs(wallFraction);
      const bootNowMs = Number(bootSeconds) * 1000 + fractionMs(bootFraction);
      shellStartMs = wallNowMs - (bootNowMs - (Number(startTicks) * 1000) / TICKS_PER_SECOND);
      continue;
    }
    const m = STARTED.exec(text);
    if (m === null) continue;
    const [, runlevel, , year, month, day, hour, minute, second, fraction, sign, offsetH, offsetM] = m;
    const offsetMs = (sign === "-" ? -1 : 1) * (Number(offsetH) * 60 + Number(offsetM)) * 60_000;
    const epochMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) + fractionMs(fraction) - offsetMs;
    last.set(runlevel!, Math.max(last.get(runlevel!) ?? -Infinity, epochMs));
  }
  if (shellStartMs === undefined || last.size === 0) return null;
  const start = shellStartMs;
  return BOOT_RUNLEVELS.filter((level) => last.has(level)).map((runlevel) => ({ runlevel, beforeShellMs: start - last.get(runlevel)! }));
}
