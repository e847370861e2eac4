// The OpenRC stage: a static musl OpenRC, installed into a tree shipped as openrc.tar.
import type { ContainerStage } from "./container-stage.js";

export const openrcStage: ContainerStage = {
  name: "openrc",
  source: (config) => config.sources[config.openrc.source]!,
  inputs: () => [],
  env: () => ({}),
};
