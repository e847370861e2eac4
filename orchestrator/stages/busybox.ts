// The BusyBox stage: defconfig + config/busybox.config -> one static musl binary and its applet list.
import type { StageDefinition } from "./stage.js";

export const busyboxStage: StageDefinition = {
  name: "busybox",
  where: "container",
  summary: "BusyBox, static with musl, from defconfig + config/busybox.config",
  coldSeconds: 70,
  outputs: ["busybox", "applets.txt", "busybox.config"],
  invoke: (config) => ({
    source: config.sources[config.busybox.source]!,
    files: [{ role: "busybox.config", path: "busybox.config", hostPath: config.busybox.config }],
  }),
};
