// The engine a command talks to: the context's (a test's fake), else the one DOCKER_HOST names.
import { createEngine } from "../docker/engine.js";
import type { Engine } from "../docker/types.js";
import type { CommandContext } from "./context.js";

export function engineFor(context: CommandContext): Engine {
  return context.engine?.() ?? createEngine({ env: context.env });
}
