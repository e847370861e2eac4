// The newc reader lives with the initramfs code (reproduce uses it too); tests import it from here as before.
export { readNewc } from "../../orchestrator/initramfs/cpio-read.js";
export type { CpioEntry } from "../../orchestrator/initramfs/cpio-read.js";
