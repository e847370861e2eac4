// The ISO stage: kernel + initramfs -> a BIOS and UEFI bootable ISO with a serial console.
import { join } from "node:path";
import type { ContainerStage } from "./container-stage.js";

export const isoStage: ContainerStage = {
  name: "iso",
  source: () => null,
  inputs: (_config, artifacts) => [
    { path: "bzImage", hostPath: join(artifacts.get("linux")!, "bzImage") },
    { path: "initramfs.cpio.gz", hostPath: join(artifacts.get("initramfs")!, "initramfs.cpio.gz") },
  ],
  env: (config) => ({
    KERNEL_CMDLINE: config.kernel.cmdline,
    ISO_LABEL: config.name.toUpperCase().replace(/[^A-Z0-9_]/g, "_").slice(0, 32),
  }),
};
