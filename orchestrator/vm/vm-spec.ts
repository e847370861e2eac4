// One description of a VM: what it boots and how; every VM (named, test, run, the KVM canary) starts from a VmSpec.
import { stat } from "node:fs/promises";
import type { InputFile } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { memorySizeBytes } from "../util/memory-size.js";
import type { PortForward, VmNetwork } from "./network.js";
import type { Accelerator, QemuOptions } from "./qemu-command.js";

/** Host files the guest boots from: the ISO, or a kernel (+ initramfs) with its command line. */
export type VmBootFiles =
  | { readonly kind: "iso"; readonly iso: string }
  | { readonly kind: "kernel"; readonly kernel: string; readonly initramfs?: string; readonly append: string };

export interface VmSpec {
  readonly runnerImage: string;
  /** a-z, 0-9, '.', '_', '-' (see vm-paths.ts); the container is levitate-vm-<name>. */
  readonly name: string;
  readonly boot: VmBootFiles;
  readonly accel: Accelerator;
  /** QEMU size syntax, e.g. "512M": validated where it entered (config schema, --memory), trusted here. */
  readonly memory: string;
  readonly cpus: number;
  readonly uefi: boolean;
  /** OVMF path inside the runner image, when it is not the default. */
  readonly firmware?: string;
  /** Name of a disk in the levitate-disks volume (see disks.ts); the guest sees it as /dev/vda. */
  readonly disk?: string;
  /** Guest networking (network.ts); default none. */
  readonly network?: VmNetwork;
  /** Host ports (on 127.0.0.1) forwarded to the guest; needs a network. */
  readonly forwards?: readonly PortForward[];
  /** vm: listed by `vm status`; vm-tool: a throwaway of the tool itself (the KVM canary). Default vm. */
  readonly role?: "vm" | "vm-tool";
  /** Outlives this process (`vm start`); otherwise the VM is ours and reaped if we die. */
  readonly detached?: boolean;
}

/** QEMU's own needs (TCG translation cache, firmware, I/O) on top of the guest's memory. */
const QEMU_OVERHEAD_BYTES = 1536 * 1024 ** 2;

/** The runner container's memory limit for a guest of `memory` ("256M", "2G"). */
export function vmContainerMemory(memory: string): number {
  const guest = memorySizeBytes(memory);
  return Math.max(4 * 1024 ** 3, (Number.isNaN(guest) ? 0 : guest) + QEMU_OVERHEAD_BYTES);
}

/** The QEMU command line's options for a spec. */
export function qemuOptions(spec: VmSpec): QemuOptions {
  return {
    accel: spec.accel,
    boot: spec.boot.kind === "iso" ? { kind: "iso" } : { kind: "kernel", append: spec.boot.append, initramfs: spec.boot.initramfs !== undefined },
    memory: spec.memory,
    cpus: spec.cpus,
    uefi: spec.uefi,
    ...(spec.firmware === undefined ? {} : { firmware: spec.firmware }),
    disks: spec.disk === undefined ? [] : [spec.disk],
    network: spec.network ?? "none",
    forwards: spec.forwards ?? [],
  };
}

/** The boot files as container inputs; a missing one is a UserError that says what to run. */
export async function bootInputs(boot: VmBootFiles): Promise<InputFile[]> {
  const wanted: [string, string, string][] =
    boot.kind === "iso"
      ? [["ISO", boot.iso, "levitate.iso"]]
      : [["kernel", boot.kernel, "bzImage"], ...(boot.initramfs === undefined ? [] : [["initramfs", boot.initramfs, "initramfs.cpio.gz"] as [string, string, string]])];
  const files: InputFile[] = [];
  for (const [what, hostPath, path] of wanted) {
    const info = await stat(hostPath).catch(() => null);
    if (info === null || !info.isFile()) {
      throw new UserError(`expected the ${what} at ${hostPath}, but there is no such file (run \`levitate-docker build\` first?)`);
    }
    files.push({ path, hostPath, mode: 0o644 });
  }
  return files;
}

/** "the ISO levitate.iso (tcg, UEFI)": what a VM boots, for progress lines. */
export function describeBoot(spec: VmSpec): string {
  const what = spec.boot.kind === "iso" ? spec.boot.iso : spec.boot.kernel;
  return `${what} (${spec.accel}${spec.uefi ? ", UEFI" : ""})`;
}
