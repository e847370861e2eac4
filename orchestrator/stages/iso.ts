// The ISO stage: kernel + initramfs + GRUB's images (the grub stage) -> a BIOS and UEFI bootable ISO with a serial console, by xorriso alone.
import type { StageDefinition } from "./stage.js";

export const isoStage: StageDefinition = {
  name: "iso",
  where: "container",
  summary: "a BIOS + UEFI bootable ISO (GRUB, serial console) from the kernel and the initramfs",
  coldSeconds: 1,
  outputs: ["levitate.iso"],
  published: ["levitate.iso"],
  // It assembles from /in into /tmp and /out: no tree to keep, so no cache volumes and no lease to take.
  buildTree: false,
  // It runs after every edit under config/files: its container stays up for the next build.
  keepWarm: true,
  invoke: (config) => ({
    needs: ["linux", "initramfs", "grub"],
    files: [
      { role: "kernel", path: "bzImage", fromStage: "linux", file: "bzImage" },
      { role: "initramfs", path: "initramfs.cpio.gz", fromStage: "initramfs", file: "initramfs.cpio.gz" },
      { role: "grub", path: "grub.tar", fromStage: "grub", file: "grub.tar" },
    ],
    env: {
      KERNEL_CMDLINE: config.kernel.cmdline,
      ISO_LABEL: config.name.toUpperCase().replace(/[^A-Z0-9_]/g, "_").slice(0, 32),
    },
  }),
};
