// The OpenRC stage: a static musl OpenRC, installed into a tree shipped as openrc.tar.
import type { StageDefinition } from "./stage.js";

export const openrcStage: StageDefinition = {
  name: "openrc",
  where: "container",
  summary: "OpenRC, static with musl, installed into a tree shipped as openrc.tar",
  coldSeconds: 12,
  outputs: ["openrc.tar"],
  flavours: ["openrc"],
  invoke: (config) => ({ source: config.sources[config.openrc.source]! }),
};
