// `levitate-docker test`: boot a throwaway VM, time it to a shell, run the boot checks, power off, leave nothing behind.
import { randomBytes } from "node:crypto";
import type { AttachedStreams, Engine } from "../docker/types.js";
import { InterruptedError, UserError, interruptedBy } from "../errors/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { timeoutScale } from "./accel.js";
import type { BootCheck } from "./boot-check-file.js";
import { runBootChecks } from "./boot-checks.js";
import { plainText } from "./console-text.js";
import type { CheckResult } from "./boot-checks.js";
import type { Accelerator } from "./qemu-command.js";
import { ConsoleClosedError, ConsoleTimeoutError, SerialConsole, formatSeconds } from "./serial-console.js";
import type { VmBootFiles } from "./vm-manager.js";
import { startVm } from "./vm-manager.js";
import { vmContainerName } from "./vm-paths.js";

export interface BootTestOptions {
  readonly engine: Engine;
  readonly runnerImage: string;
  readonly boot: VmBootFiles;
  readonly accel: Accelerator;
  readonly uefi: boolean;
  readonly firmware?: string;
  readonly memory?: string;
  readonly cpus?: number;
  readonly checks: readonly BootCheck[];
  /** Seconds to a shell prompt on KVM (scaled for TCG); default 60. */
  readonly shellTimeoutSeconds?: number;
  /** Where to write the serial transcript, whatever the outcome. */
  readonly transcriptFile?: string;
  readonly log?: (line: string) => void;
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
}

export async function bootTest(options: BootTestOptions): Promise<BootTestResult> {
  const { engine, signal } = options;
  const log = options.log ?? (() => undefined);
  const scale = timeoutScale(options.accel);
  const name = `test-${engine.runId}-${randomBytes(2).toString("hex")}`.toLowerCase();
  const containerName = vmContainerName(name);
  const started = Date.now();
  let attached: AttachedStreams | undefined;
  let console: SerialConsole | undefined;
  try {
    if (signal?.aborted) throw interruptedBy(signal);
    await startVm({
      engine,
      runnerImage: options.runnerImage,
      name,
      boot: options.boot,
      accel: options.accel,
      memory: options.memory ?? "512M",
      cpus: options.cpus ?? 1,
      uefi: options.uefi,
      ...(options.firmware === undefined ? {} : { firmware: options.firmware }),
    });
    log(`booting ${options.boot.kind === "iso" ? options.boot.iso : options.boot.kernel} (${options.accel}${options.uefi ? ", UEFI" : ""}) in ${containerName}`);
    // The console reads the attach stream: Docker's log stream holds back a line until its newline, so a prompt never shows there.
    attached = await engine.containers.attach(containerName);
    console = new SerialConsole({ output: attached.output, input: attached.stdin }, signal === undefined ? {} : { signal });
    const shellTimeoutMs = (options.shellTimeoutSeconds ?? 60) * 1000 * scale;
    try {
      await console.waitForShell(shellTimeoutMs);
    } catch (error) {
      if (error instanceof ConsoleTimeoutError || error instanceof ConsoleClosedError) {
        const what = error instanceof ConsoleClosedError ? "QEMU exited before a shell prompt appeared" : `no shell prompt within ${formatSeconds(shellTimeoutMs)}`;
        const serial = await serialLog(engine, containerName, error.lastLines);
        const tail = serial.split("\n").filter((l) => l.trim() !== "").slice(-25);
        throw new UserError(`the VM did not boot to a shell (${options.accel}): ${what}`, {
          cause: error,
          details: ["last lines of the serial console:", ...tail.map((l) => `  ${l}`)],
        });
      }
      throw error;
    }
    const timeToShellMs = Date.now() - started;
    log(`shell in ${formatSeconds(timeToShellMs)}`);
    await console.quietKernel(10_000 * scale);
    const uname = await console.exec("uname -r", 10_000 * scale);
    if (uname.exitCode !== 0) throw new UserError(`\`uname -r\` in the guest exited with ${uname.exitCode}: ${uname.output.trim()}`);
    const kernelRelease = uname.output.trim();
    log(`uname -r: ${kernelRelease}`);
    const results = await runBootChecks({ console, checks: options.checks, timeoutScale: scale, log });
    const poweredOff = await console.poweroff(30_000 * scale);
    if (!poweredOff) log(`poweroff did not end QEMU within ${formatSeconds(30_000 * scale)}; killing the VM`);
    const transcript = await serialLog(engine, containerName, [console.transcript]);
    return { accel: options.accel, timeToShellMs, kernelRelease, results, poweredOff, transcript };
  } catch (error) {
    if (signal?.aborted && !(error instanceof InterruptedError)) throw interruptedBy(signal);
    throw error;
  } finally {
    console?.dispose();
    attached?.close();
    if (options.transcriptFile !== undefined && console !== undefined) {
      const transcript = await serialLog(engine, containerName, [console.transcript]);
      await writeFileAtomic(options.transcriptFile, transcript).catch(() => undefined);
    }
    await engine.containers.remove(containerName).catch(() => undefined);
  }
}

/** The whole serial log from boot on (the container's log), as plain text; `fallback` lines if it cannot be read. */
async function serialLog(engine: Engine, containerName: string, fallback: readonly string[]): Promise<string> {
  try {
    const stream = await engine.containers.logs(containerName, { follow: false });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    return plainText(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return fallback.join("\n");
  }
}
