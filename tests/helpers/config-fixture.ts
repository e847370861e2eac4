// A fixed, plausible ResolvedConfig for unit tests, with top-level keys replaceable per test.
import type { ResolvedConfig } from "../../orchestrator/config/types.js";

/** Replace whole top-level keys: `configFixture({ init: { console: "ttyS1", login: "autologin" } })`. */
export type ConfigOverrides = { -readonly [K in keyof ResolvedConfig]?: ResolvedConfig[K] };

const ROOT = "/levitate";

/**
 * A config like a checkout's, rooted at /levitate (nothing is read from disk). Only the
 * busybox pin's sha256 is real; the linux and openrc ones are obvious placeholders.
 */
export function configFixture(overrides: ConfigOverrides = {}): ResolvedConfig {
  const base: ResolvedConfig = {
    configFile: `${ROOT}/config/levitate.yaml`,
    profileFile: null,
    profile: null,
    configDir: `${ROOT}/config`,
    name: "levitateos",
    hostname: "levitate",
    toolchain: { flavour: "debian", base: "levitate/debian-base:bookworm" },
    kernel: {
      source: "linux",
      fragment: `${ROOT}/linux/levitate.config`,
      patches: [],
      cmdline: "console=ttyS0",
    },
    busybox: { source: "busybox", config: `${ROOT}/config/busybox.config` },
    openrc: {
      source: "openrc",
      runlevels: { sysinit: ["devfs"], boot: ["hostname"], default: [], shutdown: [] },
      cgroups: false,
    },
    init: { console: "ttyS0", login: "shell" },
    files: `${ROOT}/config/files`,
    sources: {
      linux: {
        name: "linux",
        version: "6.1.127",
        file: "linux-6.1.127.tar.xz",
        sha256: "1".repeat(64),
        urls: ["https://cdn.kernel.org/pub/linux/kernel/v6.x/linux-6.1.127.tar.xz"],
      },
      openrc: {
        name: "openrc",
        version: "0.54",
        file: "openrc-0.54.tar.gz",
        sha256: "2".repeat(64),
        urls: ["https://github.com/OpenRC/openrc/archive/refs/tags/0.54.tar.gz"],
      },
      busybox: {
        name: "busybox",
        version: "1.35.0",
        file: "busybox-1.35.0.tar.bz2",
        sha256: "faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694",
        urls: ["https://busybox.net/downloads/busybox-1.35.0.tar.bz2"],
      },
    },
    mirror: null,
    cache: { registry: null, push: false },
    mirrorSites: [],
    vm: { memory: "256M", cpus: 1 },
    build: { memory: "4G", pids: 4096, parallel: 2, keepWarm: 300 },
  };
  return { ...base, ...overrides };
}
