// `levitate-docker test`: boot a throwaway VM, time it to a shell, run the boot checks, power off, leave nothing behind.
import { randomBytes } from "node:crypto";
import type { Engine } from "../docker/types.js";
import { InterruptedError, UserError, interruptedBy } from "../errors/errors.js";
import { throwIfCancelled } from "../util/until-cancelled.js";
import { writeFileAtomic } from "../util/atomic.js";
import { timeoutScale } from "./accel.js";
import type { AttachedConsole } from "./attached-console.js";
import type { BootCheck } from "./boot-check-file.js";
import { runBootChecks } from "./boot-checks.js";
import { bootTimeline, timedLines } from "./boot-timeline.js";
import { RUNLEVEL_MARKS_COMMAND, runlevelEnds } from "./openrc-runlevels.js";
import type { BootTimeline, TimedText } from "./boot-timeline.js";
import type { CheckResult } from "./boot-checks.js";
import type { BootEventHandler } from "./boot-events.js";
import type { Accelerator } from "./qemu-command.js";
import { ConsoleClosedError, ConsoleTimeoutError, formatSeconds } from "./serial-console.js";
import type { StartedVm } from "./started-vm.js";
import { startVm } from "./vm.js";
import { describeBoot } from "./vm-spec.js";
import type { VmSpec } from "./vm-spec.js";

export interface BootTestOptions {
  readonly engine: Engine;
  /** The VM to boot; its name is made up (test-<run id>-<random>). */
  readonly vm: Omit<VmSpec, "name" | "role">;
  readonly checks: readonly BootCheck[];
  /** Seconds to a shell prompt on KVM (scaled for TCG); default 60. */
  readonly shellTimeoutSeconds?: number;
  /** Where to write the serial transcript, whatever the outcome. */
  readonly transcriptFile?: string;
  readonly onEvent?: BootEventHandler;
  readonly signal?: AbortSignal;
}

export interface BootTestResult {
  readonly accel: Accelerator;
  /** From asking Docker to start the VM to the first shell prompt. */
  readonly timeToShellMs: number;
  /** `uname -r` in the guest. */
  readonly kernelRelease: string;
  readonly results: readonly CheckResult[];
  /** Whether `poweroff` ended QEMU by itself (otherwise the container was killed). */
  readonly poweredOff: boolean;
  /** The whole serial console, as plain text. */
  readonly transcript: string;
  /** Where the time to shell went, from the host arrival times of the serial lines. */
  readonly timeline: BootTimeline;
}

export async function bootTest(options: BootTestOptions): Promise<BootTestResult> {
  const { engine, signal } = options;
  const emit = options.onEvent ?? (() => undefined);
  const scale = timeoutScale(options.vm.accel);
  const spec: VmSpec = { ...options.vm, name: `test-${engine.runId}-${randomBytes(2).toString("hex")}`.toLowerCase() };
  const started = Date.now();
  let vm: StartedVm | undefined;
  let console: AttachedConsole | undefined;
  try {
    throwIfCancelled(signal);
    vm = await startVm(engine, spec);
    emit({ type: "booting", vm: vm.containerName, what: describeBoot(spec) });
    // The console reads the attach stream: Docker's log stream holds back a line until its newline, so a prompt never shows there.
    const arrivals: TimedText[] = [];
    const onText = (text: string) => arrivals.push({ atMs: Date.now() - started, text });
    console = await vm.console(signal === undefined ? { onText } : { signal, onText });
    const timeToShellMs = await waitForShell(vm, console, (options.shellTimeoutSeconds ?? 60) * 1000 * scale, started);
    let timeline = bootTimeline(timedLines(arrivals), timeToShellMs);
    emit({ type: "shell", afterMs: timeToShellMs });
    await console.quietKernel(10_000 * scale);
    const uname = await console.exec("uname -r", 10_000 * scale);
    if (uname.exitCode !== 0) throw new UserError(`\`uname -r\` in the guest exited with ${uname.exitCode}: ${uname.output.trim()}`);
    const kernelRelease = uname.output.trim();
    emit({ type: "kernel-release", release: kernelRelease });
    // OpenRC: when each runlevel reached its last service, asked of the guest (its serial lines say nothing of runlevels).
    if (timeline.openrc) {
      await console.exec(RUNLEVEL_MARKS_COMMAND, 10_000 * scale);
      const lines = timedLines(arrivals);
      const ends = runlevelEnds(lines.filter((line) => line.atMs > timeToShellMs));
      if (ends !== null) timeline = bootTimeline(lines, timeToShellMs, ends);
    }
    const results = await runBootChecks({ console, checks: options.checks, timeoutScale: scale, onResult: (result) => emit({ type: "check", result }) });
    const poweredOff = await console.poweroff(30_000 * scale);
    emit({ type: "poweroff", clean: poweredOff, timeoutMs: 30_000 * scale });
    const transcript = await vm.transcript(console.transcript);
    return { accel: spec.accel, timeToShellMs, kernelRelease, results, poweredOff, transcript, timeline };
  } catch (error) {
    if (signal?.aborted && !(error instanceof InterruptedError)) throw interruptedBy(signal);
    throw error;
  } finally {
    console?.close();
    if (options.transcriptFile !== undefined && console !== undefined && vm !== undefined) {
      await writeFileAtomic(options.transcriptFile, await vm.transcript(console.transcript)).catch(() => undefined);
    }
    await vm?.[Symbol.asyncDispose]();
  }
}

/**
 * Milliseconds from `started` to the arrival of the shell prompt that answered the test's Enter
 * (not to the end of the quiet time that confirms it); a boot that never gets there is a
 * UserError with the console's last lines.
 */
async function waitForShell(vm: StartedVm, console: AttachedConsole, timeoutMs: number, started: number): Promise<number> {
  try {
    return (await console.waitForShell(timeoutMs)) - started;
  } catch (error) {
    if (!(error instanceof ConsoleTimeoutError || error instanceof ConsoleClosedError)) throw error;
    const what = error instanceof ConsoleClosedError ? "QEMU exited before a shell prompt appeared" : `no shell prompt within ${formatSeconds(timeoutMs)}`;
    const serial = await vm.transcript(error.lastLines.join("\n"));
    const tail = serial.split("\n").filter((l) => l.trim() !== "").slice(-25);
    throw new UserError(`the VM did not boot to a shell (${vm.accel}): ${what}`, {
      cause: error,
      details: ["last lines of the serial console:", ...tail.map((l) => `  ${l}`)],
    });
  }
}
