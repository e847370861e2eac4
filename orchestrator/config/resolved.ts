// Builds the frozen ResolvedConfig from a document that passed every check.
import type { PathContext } from "./paths.js";
import { resolveAt } from "./paths.js";
import type { ConfigDocument } from "./schema.js";
import type { ResolvedConfig, SourcePin } from "./types.js";

export interface ConfigOrigin {
  readonly configFile: string;
  readonly configDir: string;
  readonly profile: string | null;
  readonly profileFile: string | null;
  /** The mirror in effect (CLI, env or config), absolute. */
  readonly mirror: string | null;
  /** The mirror sites in effect (CLI, env or config). */
  readonly mirrorSites: readonly string[];
}

export function buildResolvedConfig(
  document: ConfigDocument,
  origin: ConfigOrigin,
  context: PathContext,
): ResolvedConfig {
  const { kernel, busybox, openrc, init, sources } = document;
  const pins: Record<string, SourcePin> = {};
  for (const [name, pin] of Object.entries(sources)) {
    pins[name] = { name, version: pin.version, file: pin.file, sha256: pin.sha256, urls: [...pin.urls] };
  }
  return deepFreeze({
    configFile: origin.configFile,
    profileFile: origin.profileFile,
    profile: origin.profile,
    configDir: origin.configDir,
    name: document.name,
    hostname: document.hostname,
    toolchain: { ...document.toolchain },
    kernel: {
      source: kernel.source,
      fragment: resolveAt(["kernel", "fragment"], kernel.fragment, context),
      patches: kernel.patches.map((patch, index) => resolveAt(["kernel", "patches", index], patch, context)),
      cmdline: withConsole(kernel.cmdline, init.console),
    },
    busybox: { source: busybox.source, config: resolveAt(["busybox", "config"], busybox.config, context) },
    openrc: {
      source: openrc.source,
      runlevels: {
        sysinit: [...openrc.runlevels.sysinit],
        boot: [...openrc.runlevels.boot],
        default: [...openrc.runlevels.default],
        shutdown: [...openrc.runlevels.shutdown],
      },
      cgroups: openrc.cgroups,
    },
    init: { console: init.console, login: init.login },
    files: resolveAt(["files"], document.files, context),
    sources: pins,
    mirror: origin.mirror,
    cache: { ...document.cache },
    mirrorSites: [...origin.mirrorSites],
    vm: { ...document.vm },
    build: { memory: document.build.memory, pids: document.build.pids, parallel: document.build.parallel, keepWarm: document.build.keep_warm },
  });
}

/** The command line with `console=<device>` present: appended when missing, so it becomes /dev/console. */
export function withConsole(cmdline: string, device: string): string {
  const words = cmdline.split(/\s+/).filter((word) => word !== "");
  const wanted = `console=${device}`;
  if (!words.includes(wanted)) words.push(wanted);
  return words.join(" ");
}

/** Frozen all the way down: nothing downstream can change a resolved config. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
