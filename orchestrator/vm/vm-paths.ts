// Names shared by everything that runs QEMU: paths inside runner containers, the disks volume, VM labels.
import { UserError } from "../errors/errors.js";

/** Boot inputs (levitate.iso, bzImage, initramfs.cpio.gz) are uploaded here before the VM container starts. */
export const VM_DIR = "/vm";
/** The named volume holding qcow2 disks, mounted here in runner containers. */
export const DISKS_DIR = "/disks";
export const DISK_VOLUME = "levitate-disks";
/** Where the runner image keeps OVMF (images/qemu/Dockerfile links it here in both flavours). */
export const DEFAULT_OVMF = "/usr/share/levitate/OVMF.fd";

/** Labels on VM containers (on top of the tool/run/role labels the engine adds). */
export const LABEL_VM = "levitate-docker.vm";
export const LABEL_VM_ACCEL = "levitate-docker.vm.accel";
export const LABEL_VM_DISK = "levitate-docker.vm.disk";
export const LABEL_VM_BOOT = "levitate-docker.vm.boot";
export const ROLE_VM = "vm";
export const ROLE_VM_TOOL = "vm-tool";

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** VM and disk names become container names and file names: keep them to a safe alphabet. */
export function checkName(kind: "VM" | "disk", name: string): string {
  if (!NAME.test(name)) {
    throw new UserError(
      `${kind} name must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit; got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

export function vmContainerName(name: string): string {
  return `levitate-vm-${checkName("VM", name)}`;
}

export function diskPath(name: string): string {
  return `${DISKS_DIR}/${checkName("disk", name)}.qcow2`;
}
