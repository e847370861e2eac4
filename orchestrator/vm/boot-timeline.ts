// Pure: where the time to shell went (QEMU start, firmware, GRUB, kernel, init, OpenRC), from host-timed serial text and printk times.
import type { RunlevelEnd } from "./openrc-runlevels.js";

/** Serial text as it arrived: `atMs` is host time since the VM's start was requested. */
export interface TimedText {
  readonly atMs: number;
  readonly text: string;
}

/** One console line, timed by the arrival of its first character. */
export interface TimedLine {
  readonly atMs: number;
  readonly line: string;
}

export interface BootPhase {
  readonly name: string;
  readonly ms: number;
}

/** A step of the init system: a " * ..." line of OpenRC and how long until the next line. */
export interface BootStep {
  readonly label: string;
  readonly ms: number;
}

export interface BootTimeline {
  /** Consecutive phases; their sum is the time to shell. A phase whose markers were not seen is folded into the next. */
  readonly phases: readonly BootPhase[];
  readonly totalMs: number;
  /** The slowest init steps, slowest first (OpenRC only). */
  readonly slowestSteps: readonly BootStep[];
  /** OpenRC's banner was seen: its runlevels' ends can be asked of the guest (see openrc-runlevels.ts). */
  readonly openrc: boolean;
}

/** Splits timed chunks into lines; a line is timed when its first character arrived. */
export function timedLines(chunks: readonly TimedText[]): TimedLine[] {
  const lines: TimedLine[] = [];
  let current = "";
  let startedAt: number | null = null;
  for (const { atMs, text } of chunks) {
    for (const char of text) {
      if (char === "\n") {
        lines.push({ atMs: startedAt ?? atMs, line: current });
        current = "";
        startedAt = null;
      } else {
        if (startedAt === null) startedAt = atMs;
        current += char;
      }
    }
  }
  if (current !== "") lines.push({ atMs: startedAt ?? 0, line: current });
  return lines;
}

const PRINTK = /^\[\s*(\d+)\.(\d+)\]/;
/** The firmware's last word before it hands over to the boot loader (SeaBIOS, OVMF). */
const FIRMWARE_DONE = /Booting from (DVD|CD|Hard Disk|ROM|Floppy)|BdsDxe: starting Boot|^\s*Booting `/;
/** A shell prompt at the end of a line (the line is complete once something follows it). */
const PROMPT = /[#$] $/;
/** Kernel lines arriving this soon after the first one are the replay of the log buffer. */
const REPLAY_MS = 100;
const RUN_INIT = /Run (\S+) as init process/;
const OPENRC_START = /OpenRC \S+ is starting up/;
const OPENRC_STEP = /^\s*\* (.*?)(\s*\.\.\.)?(\s*\[ (ok|!!) \])?\s*$/;

function printkMs(line: string): number | null {
  const match = PRINTK.exec(line);
  return match === null ? null : Number(match[1]) * 1000 + Number(`0.${match[2]}`) * 1000;
}

/**
 * Reconstructs the boot. The kernel's messages reach the serial port only once its console is
 * registered; then the buffered ones are replayed in one burst, the newest of which was printed
 * just then. So the kernel started (on the host clock) when that burst arrived, minus the
 * largest printk time in it. Later printk times are not used: under TCG the kernel re-bases its
 * clock when it marks the TSC stable, and they can jump by seconds. Later milestones are placed
 * by their own arrival times. With `runlevels` (each OpenRC runlevel's end, see
 * openrc-runlevels.ts) the OpenRC part is split a runlevel a phase.
 */
export function bootTimeline(lines: readonly TimedLine[], shellAtMs: number, runlevels?: readonly RunlevelEnd[]): BootTimeline {
  const visible = lines.filter((l) => l.line.trim() !== "" && l.atMs <= shellAtMs);
  const firmwareDone = visible.find((l) => FIRMWARE_DONE.test(l.line))?.atMs;
  const firstKernel = visible.find((l) => printkMs(l.line) !== null);
  let kernelZero: number | undefined;
  if (firstKernel !== undefined) {
    const burst = visible.filter((l) => l.atMs <= firstKernel.atMs + REPLAY_MS).map((l) => printkMs(l.line) ?? 0);
    kernelZero = firstKernel.atMs - Math.max(...burst);
  }
  const initLine = visible.findIndex((l) => RUN_INIT.test(l.line));
  const initAt = initLine >= 0 ? visible[initLine]!.atMs : undefined;
  const promptAt = initLine >= 0 ? visible.find((l, i) => i > initLine && PROMPT.test(l.line))?.atMs : undefined;
  const openrcLine = visible.findIndex((l) => OPENRC_START.test(l.line));
  const openrcAt = openrcLine >= 0 ? visible[openrcLine]!.atMs : undefined;

  const marks: [string, number | undefined][] = [
    // The firmware's own output is often cleared or missed: its hand-over is the reliable mark.
    ["QEMU start and firmware (container, emulator, BIOS/UEFI to the boot loader)", firmwareDone],
    ["boot loader (GRUB loads kernel and initramfs; kernel unpacks)", kernelZero],
    ["kernel (to starting /init)", initAt],
    ...(openrcAt === undefined ? [] : ([["init (to OpenRC's banner)", openrcAt]] as [string, number][])),
    ...openrcPhases(openrcAt, promptAt, runlevels),
    ["the prompt that answered the test's Enter", shellAtMs],
  ];
  const phases: BootPhase[] = [];
  let previous = 0;
  let pending: string[] = [];
  for (const [name, at] of marks) {
    pending.push(name);
    if (at === undefined || at < previous) continue;
    phases.push({ name: pending.join(" + "), ms: at - previous });
    previous = at;
    pending = [];
  }

  const slowestSteps: BootStep[] = [];
  if (openrcLine >= 0) {
    for (let i = openrcLine + 1; i < visible.length; i++) {
      const step = OPENRC_STEP.exec(visible[i]!.line);
      if (step === null) continue;
      const next = visible[i + 1]?.atMs ?? shellAtMs;
      slowestSteps.push({ label: step[1]!, ms: next - visible[i]!.atMs });
    }
    slowestSteps.sort((a, b) => b.ms - a.ms);
  }
  return { phases, totalMs: shellAtMs, slowestSteps: slowestSteps.slice(0, 3), openrc: openrcLine >= 0 };
}

/** Rounding in the guest's answer (ticks of 10 ms, see openrc-runlevels.ts): an end this close outside the OpenRC part is put at its edge. */
const RUNLEVEL_SLACK_MS = 50;

/**
 * The OpenRC part of the boot as one phase, or, given each runlevel's end (see
 * openrc-runlevels.ts), as one phase a runlevel and the rest to the prompt. The ends are timed
 * before the console shell's start, which is placed at the prompt's arrival (the shell's own
 * start-up, before it prints the prompt, thus counts to the last runlevel). The split is used
 * only if every end lies within that part (give or take RUNLEVEL_SLACK_MS) and they come in order.
 */
function openrcPhases(openrcAt: number | undefined, promptAt: number | undefined, runlevels: readonly RunlevelEnd[] | undefined): [string, number | undefined][] {
  const whole: [string, number | undefined][] = [[openrcAt === undefined ? "init (to a shell prompt)" : "OpenRC runlevels (to a shell prompt)", promptAt]];
  if (openrcAt === undefined || promptAt === undefined || runlevels === undefined || runlevels.length === 0) return whole;
  const ends: [string, number][] = [];
  for (const { runlevel, beforeShellMs } of runlevels) {
    const atMs = promptAt - beforeShellMs;
    if (atMs < openrcAt - RUNLEVEL_SLACK_MS || atMs > promptAt + RUNLEVEL_SLACK_MS) return whole;
    const at = Math.min(Math.max(atMs, openrcAt), promptAt);
    if (ends.length > 0 && at < ends[ends.length - 1]![1]) return whole;
    ends.push([`OpenRC ${runlevel} (to its last service started)`, at]);
  }
  return [...ends, ["OpenRC, after its last service (to a shell prompt)", promptAt]];
}

/** The breakdown as aligned lines for a terminal. */
export function formatTimeline(timeline: BootTimeline): string[] {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const width = Math.max(...timeline.phases.map((p) => p.name.length), "time to shell".length);
  const lines = timeline.phases.map((p) => `  ${p.name.padEnd(width)}  ${seconds(p.ms).padStart(8)}`);
  lines.push(`  ${"time to shell".padEnd(width)}  ${seconds(timeline.totalMs).padStart(8)}`);
  if (timeline.slowestSteps.length > 0) {
    lines.push(`  slowest OpenRC steps: ${timeline.slowestSteps.map((s) => `${s.label} ${seconds(s.ms)}`).join(", ")}`);
  }
  return lines;
}
