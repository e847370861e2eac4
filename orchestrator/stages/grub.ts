// The GRUB stage: GRUB's boot images and modules, made once per toolchain, so an edit reruns only the iso stage's xorriso.
import type { StageDefinition } from "./stage.js";

export const grubStage: StageDefinition = {
  name: "grub",
  where: "container",
  summary: "GRUB's BIOS and UEFI boot images and modules, and the xorriso command line that puts them on an ISO (grub.tar)",
  coldSeconds: 2,
  outputs: ["grub.tar"],
  // It depends only on the toolchain (its GRUB), the fixed clock and its script: no tree to keep, nothing it needs.
  buildTree: false,
  invoke: () => ({}),
};
