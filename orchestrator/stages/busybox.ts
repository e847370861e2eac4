// The BusyBox stage: defconfig + config/busybox.config -> one static musl binary and its applet list.
import type { ContainerStage } from "./container-stage.js";

export const busyboxStage: ContainerStage = {
  name: "busybox",
  source: (config) => config.sources[config.busybox.source]!,
  inputs: (config) => [{ path: "busybox.config", hostPath: config.busybox.config }],
  env: () => ({}),
};
