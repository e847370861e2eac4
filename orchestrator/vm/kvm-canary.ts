// Proves an accelerator works by booting a kernel briefly and waiting for its first line: "/dev/kvm exists" proves nothing.
import { throwIfCancelled } from "../util/until-cancelled.js";
import type { Engine } from "../docker/types.js";
import { ConsoleTextDecoder } from "./console-text.js";
import type { Accelerator } from "./qemu-command.js";
import { qemuCommand } from "./qemu-command.js";
import { ROLE_VM_TOOL, VM_DIR } from "./vm-paths.js";
import { LABEL_ROLE } from "../docker/types.js";
import { qemuOptions } from "./vm-spec.js";
import type { VmSpec } from "./vm-spec.js";

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
  // Stopping as soon as the kernel speaks is the success path: the run reports it as cancelled, not as an error.
  const spoke = new AbortController();
  // The same VmSpec as every VM, run one-shot: the container goes as soon as the kernel speaks or time is up.
  const spec: VmSpec = {
    runnerImage: options.runnerImage,
    name: "kvm-canary",
    boot: { kind: "kernel", kernel: options.kernel, append: options.append ?? CANARY_APPEND },
    accel: options.accel,
    memory: "256M",
    cpus: 1,
    uefi: false,
    role: "vm-tool",
  };
  const result = await options.engine.containers.run(
    {
      image: spec.runnerImage,
      cmd: qemuCommand(qemuOptions(spec)),
      network: "none",
      ...(options.accel === "kvm" ? { devices: ["/dev/kvm"] } : {}),
      labels: { [LABEL_ROLE]: ROLE_VM_TOOL },
    },
    {
      inputs: [{ dir: VM_DIR, files: [{ path: "bzImage", hostPath: options.kernel }] }],
      signal: options.signal === undefined ? spoke.signal : AbortSignal.any([options.signal, spoke.signal]),
      timeoutMs: options.deadlineMs,
      onOutput: (chunk) => {
        output += decoder.push(chunk);
        if (!printed && KERNEL_FIRST_LINE.test(output)) {
          printed = true;
          spoke.abort();
        }
      },
    },
  );
  throwIfCancelled(options.signal);
  const exitCode = result.cancelled || result.timedOut ? null : result.exitCode;
  output += decoder.flush();
  return { printed, elapsedMs: Date.now() - startedAt, output, exitCode };
}
