// Proves an accelerator works by booting a kernel briefly and waiting for its first line: "/dev/kvm exists" proves nothing.
import { InterruptedError } from "../errors/errors.js";
import type { Engine } from "../docker/types.js";
import { ConsoleTextDecoder } from "./console-text.js";
import type { Accelerator } from "./qemu-command.js";
import { qemuCommand } from "./qemu-command.js";
import { ROLE_VM_TOOL, VM_DIR } from "./vm-paths.js";
import { LABEL_ROLE } from "../docker/types.js";

/** No init, no root: the kernel prints its banner, panics, and panic=-1 with -no-reboot ends QEMU. */
export const CANARY_APPEND = "console=ttyS0 earlyprintk=serial,ttyS0,115200 loglevel=8 panic=-1 rdinit=/levitate-canary-none";
/** The first kernel lines on a serial console. */
export const KERNEL_FIRST_LINE = /Linux version \d|Kernel panic|Run \S+ as init/;

export interface CanaryOptions {
  readonly engine: Engine;
  readonly runnerImage: string;
  /** Host path of a bzImage. */
  readonly kernel: string;
  readonly accel: Accelerator;
  readonly deadlineMs: number;
  /** Kernel command line; tests pass one without a serial console to check that silence is detected. */
  readonly append?: string;
  readonly signal?: AbortSignal;
}

export interface CanaryResult {
  /** Whether a kernel line appeared before the deadline. */
  readonly printed: boolean;
  /** Milliseconds from the start request to that line. */
  readonly elapsedMs: number;
  /** Plain text the guest printed (SeaBIOS lines, the kernel's first lines) and QEMU's own errors. */
  readonly output: string;
  /** QEMU's exit code when it ended by itself before the deadline (an error), else null. */
  readonly exitCode: number | null;
}

/** Boots `kernel` under `accel` and stops as soon as the kernel speaks or the deadline passes; the container is always removed. */
export async function canaryBoot(options: CanaryOptions): Promise<CanaryResult> {
  const startedAt = Date.now();
  const decoder = new ConsoleTextDecoder();
  let output = "";
  let printed = false;
  let exitCode: number | null = null;
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const deadline = setTimeout(() => stop.abort(new Error("deadline")), options.deadlineMs);
  const argv = qemuCommand({
    accel: options.accel,
    boot: { kind: "kernel", append: options.append ?? CANARY_APPEND, initramfs: false },
    memory: "256M",
    cpus: 1,
    uefi: false,
  });
  try {
    const result = await options.engine.run(
      {
        image: options.runnerImage,
        cmd: argv,
        network: "none",
        ...(options.accel === "kvm" ? { devices: ["/dev/kvm"] } : {}),
        labels: { [LABEL_ROLE]: ROLE_VM_TOOL },
      },
      {
        inputs: [{ dir: VM_DIR, files: [{ path: "bzImage", hostPath: options.kernel }] }],
        signal: stop.signal,
        onOutput: (chunk) => {
          output += decoder.push(chunk);
          if (!printed && KERNEL_FIRST_LINE.test(output)) {
            printed = true;
            stop.abort(new Error("kernel printed"));
          }
        },
      },
    );
    exitCode = result.exitCode;
  } catch (error) {
    if (options.signal?.aborted) throw new InterruptedError("SIGINT");
    // Our own abort (the kernel spoke, or the deadline passed) surfaces as an interruption of run().
    if (!(error instanceof InterruptedError) || !stop.signal.aborted) throw error;
  } finally {
    clearTimeout(deadline);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
  output += decoder.flush();
  return { printed, elapsedMs: Date.now() - startedAt, output, exitCode };
}
