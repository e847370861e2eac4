// Loads dockerode without two modules a run almost never calls: 200 ms of start-up becomes 50 ms.
import { Module, createRequire } from "node:module";
import type Docker from "dockerode";

/**
 * dockerode requires, at load, its BuildKit session (gRPC and protobuf: about 80 ms of CPU) and
 * docker-modem's SSH transport (ssh2: about 35 ms), on every command that talks to the engine,
 * including an edit -> ISO build that must take under a second. Each is one function
 * (`withSession`, the ssh agent factory) that dockerode calls only for a BuildKit image build or an
 * ssh:// DOCKER_HOST. Here each gets a stand-in in Node's module cache that loads the real module on
 * its first call and hands that call on. Where a module is not where this dockerode keeps it (another
 * release), nothing is deferred and dockerode loads as usual.
 */
export function loadDockerode(): typeof Docker {
  const require = createRequire(import.meta.url);
  const fromDockerode = createRequire(require.resolve("dockerode"));
  defer(fromDockerode, "./session.js");
  defer(createRequire(fromDockerode.resolve("docker-modem")), "./ssh.js");
  return require("dockerode") as typeof Docker;
}

function defer(requireFrom: NodeJS.Require, specifier: string): void {
  let path: string;
  try {
    path = requireFrom.resolve(specifier);
  } catch {
    return;
  }
  const cache = requireFrom.cache;
  if (cache[path] !== undefined) return;
  const standIn = new Module(path);
  standIn.filename = path;
  standIn.loaded = true;
  standIn.exports = function deferred(this: unknown, ...args: unknown[]) {
    // The stand-in leaves the cache, so this require loads (and caches) the real module.
    if (cache[path] === standIn) delete cache[path];
    const real = requireFrom(path) as (...a: unknown[]) => unknown;
    return real.apply(this, args);
  };
  cache[path] = standIn;
}
