// The kernel stage: tinyconfig + linux/levitate.config + patches -> bzImage.
import { basename } from "node:path";
import type { ContainerStage } from "./container-stage.js";

export const linuxStage: ContainerStage = {
  name: "linux",
  source: (config) => config.sources[config.kernel.source]!,
  inputs: (config) => [
    { path: "levitate.config", hostPath: config.kernel.fragment },
    ...config.kernel.patches.map((p, i) => ({
      path: `patches/${String(i + 1).padStart(4, "0")}-${basename(p)}`,
      hostPath: p,
    })),
  ],
  env: (config) => ({ KERNEL_VERSION: config.sources[config.kernel.source]!.version }),
};
