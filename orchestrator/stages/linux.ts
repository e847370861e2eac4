// The kernel stage: tinyconfig + linux/levitate.config + patches -> bzImage.
import { basename } from "node:path";
import type { StageDefinition } from "./stage.js";

export const linuxStage: StageDefinition = {
  name: "linux",
  where: "container",
  summary: "the kernel: tinyconfig + linux/levitate.config + patches -> bzImage",
  coldSeconds: 300,
  outputs: ["bzImage", "kernel.config", "kernel.release"],
  published: ["bzImage"],
  invoke: (config) => {
    const source = config.sources[config.kernel.source]!;
    return {
      source,
      files: [
        { role: "kernel.fragment", path: "levitate.config", hostPath: config.kernel.fragment },
        ...config.kernel.patches.map((p, i) => ({
          role: `kernel.patches[${i}]`,
          path: `patches/${String(i + 1).padStart(4, "0")}-${basename(p)}`,
          hostPath: p,
        })),
      ],
      env: { KERNEL_VERSION: source.version },
    };
  },
};
