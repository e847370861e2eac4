// Pure: the qemu-system-x86_64 argv a runner container executes, so command lines are golden-tested without Docker.
import { UserError } from "../errors/errors.js";
import { hostForwards } from "./network.js";
import type { PortForward, VmNetwork } from "./network.js";
import { DEFAULT_OVMF, VM_DIR, diskPath } from "./vm-paths.js";

export type Accelerator = "kvm" | "tcg";

/** What the guest boots: the ISO (GRUB) or the kernel and initramfs directly (needed for extra kernel args). */
export type BootSource =
  | { readonly kind: "iso" }
  | { readonly kind: "kernel"; readonly append: string; readonly initramfs: boolean };

export interface QemuOptions {
  readonly accel: Accelerator;
  readonly boot: BootSource;
  /** QEMU size syntax, "512M" or "1G": validated where it entered (util/vm-memory.ts), trusted here. */
  readonly memory: string;
  readonly cpus: number;
  readonly uefi: boolean;
  /** OVMF image inside the runner image; only used with `uefi`. */
  readonly firmware?: string;
  /** Names of qcow2 disks in the levitate-disks volume; the first is /dev/vda. */
  readonly disks?: readonly string[];
  /** "none": no NIC at all; "user" and "host": slirp user networking with a virtio NIC (network.ts). */
  readonly network?: VmNetwork;
  /** Host ports forwarded to the guest (only with a network). */
  readonly forwards?: readonly PortForward[];
}

/**
 * CPU model per accelerator: `-cpu host` (and `max`, which is host under KVM) aborts on some hosts
 * (MSR 0x10a). Under TCG, `max` without ERMS: with it the kernel clears every new page with
 * `rep stosb`, which TCG runs a byte per step; without it, `rep stosq` (an eighth of the steps).
 * Sampling a TCG boot's instruction pointer put 2.7 % of it in clear_page with ERMS, 0.5 % without.
 */
export function cpuModel(accel: Accelerator): string {
  return accel === "kvm" ? "qemu64" : "max,-erms";
}

export function qemuCommand(options: QemuOptions): string[] {
  if (!Number.isInteger(options.cpus) || options.cpus < 1 || options.cpus > 64) {
    throw new UserError(`VM cpus must be a whole number from 1 to 64, got ${options.cpus}`);
  }
  const argv = [
    "qemu-system-x86_64",
    "-nodefaults",
    "-no-user-config",
    // q35: the CD drive sits on AHCI, which SeaBIOS and OVMF read by DMA; the i440FX machine's
    // IDE is PIO, and under TCG loading kernel and initramfs from it took about 0.35 s longer.
    "-machine",
    "q35",
    "-accel",
    options.accel,
    "-cpu",
    cpuModel(options.accel),
    "-m",
    options.memory,
    "-smp",
    String(options.cpus),
    "-display",
    "none",
    "-vga",
    "none",
    // The serial port is the container's stdio; signal=off passes Ctrl-C to the guest instead of killing QEMU.
    "-chardev",
    "stdio,id=s0,signal=off",
    "-serial",
    "chardev:s0",
    "-monitor",
    "none",
    "-no-reboot",
  ];
  if (options.uefi) argv.push("-bios", options.firmware ?? DEFAULT_OVMF);
  if (options.boot.kind === "iso") {
    argv.push("-drive", `file=${VM_DIR}/levitate.iso,media=cdrom,readonly=on,if=ide,index=0`, "-boot", "d");
  } else {
    argv.push("-kernel", `${VM_DIR}/bzImage`);
    if (options.boot.initramfs) argv.push("-initrd", `${VM_DIR}/initramfs.cpio.gz`);
    argv.push("-append", options.boot.append);
  }
  for (const disk of options.disks ?? []) {
    argv.push("-drive", `file=${diskPath(disk)},if=virtio,format=qcow2`);
  }
  const network = options.network ?? "none";
  if (network === "none") argv.push("-nic", "none");
  else argv.push("-nic", ["user", "model=virtio-net-pci", ...hostForwards(network, options.forwards ?? [])].join(","));
  return argv;
}
