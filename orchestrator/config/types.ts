// The read-only, fully resolved configuration every other module consumes.
// Produced by loadConfig() (config/load.ts); nothing downstream re-validates it.

export type ToolchainFlavour = "alpine" | "debian";
/** openrc: Linux + BusyBox + OpenRC (the default). minimal: BusyBox init only (`--minimal`). */
export type Flavour = "openrc" | "minimal";
export type Runlevel = "sysinit" | "boot" | "default" | "shutdown";
export const RUNLEVELS: readonly Runlevel[] = ["sysinit", "boot", "default", "shutdown"];

/** One pinned upstream source (an entry of `sources:` in levitate.yaml). */
export interface SourcePin {
  /** Key in `sources:`, e.g. "linux". */
  readonly name: string;
  readonly version: string;
  /** File name in the mirror and download cache, e.g. "linux-6.1.127.tar.xz". */
  readonly file: string;
  /** Lower-case hex sha256 of that file. */
  readonly sha256: string;
  /** Where to download it from, tried in order (may be empty for mirror-only sources). */
  readonly urls: readonly string[];
}

export interface ResolvedConfig {
  /** Absolute path of the base config file (config/levitate.yaml). */
  readonly configFile: string;
  /** Absolute path of the profile overlay that was merged, if any. */
  readonly profileFile: string | null;
  readonly profile: string | null;
  /** Directory holding the config file; relative paths in it resolve from here. */
  readonly configDir: string;
  /** Distribution name, used in the ISO volume label and /etc/os-release. */
  readonly name: string;
  readonly hostname: string;
  readonly toolchain: {
    readonly flavour: ToolchainFlavour;
    /** Base image reference, e.g. "alpine:3.22@sha256:..." or "levitate/debian-base:bookworm". */
    readonly base: string;
  };
  readonly kernel: {
    /** Key into `sources`. */
    readonly source: string;
    /** Absolute path of the kernel config fragment merged over tinyconfig. */
    readonly fragment: string;
    /** Absolute paths of patches applied in order. */
    readonly patches: readonly string[];
    /** Kernel command line; always contains `console=<init.console>` (appended when the config lacks it). */
    readonly cmdline: string;
  };
  readonly busybox: {
    readonly source: string;
    /** Absolute path of the BusyBox config fragment merged over defconfig. */
    readonly config: string;
  };
  readonly openrc: {
    readonly source: string;
    /** Services per runlevel, in order. */
    readonly runlevels: Readonly<Record<Runlevel, readonly string[]>>;
    /** Whether OpenRC's cgroup support (lib/rc/sh/rc-cgroup.sh) goes into the image. */
    readonly cgroups: boolean;
  };
  readonly init: {
    /** Serial console device without /dev/, e.g. "ttyS0". */
    readonly console: string;
    /** What the console gives: a root shell straight away, or getty with autologin as root. */
    readonly login: "shell" | "autologin";
  };
  /** Absolute path of the static files tree copied into the image (config/files). */
  readonly files: string;
  readonly sources: Readonly<Record<string, SourcePin>>;
  /** Offline mirror directory in effect, absolute: --mirror, else LEVITATE_MIRROR, else `mirror:`; null if none. */
  readonly mirror: string | null;
  /** The registry cache: `registry` is read (--cache-from's default) and, with `push`, written. */
  readonly cache: {
    readonly registry: string | null;
    readonly push: boolean;
  };
  /** Mirror sites in effect (HTTP(S) base URLs, files by name): --mirror-site, else LEVITATE_MIRROR_SITES, else `mirror_sites:`. */
  readonly mirrorSites: readonly string[];
  readonly vm: {
    readonly memory: string;
    readonly cpus: number;
  };
  /** Limits of every stage container. */
  readonly build: {
    readonly memory: string;
    readonly pids: number;
    /** Most stages running at once (`--parallel`). */
    readonly parallel: number;
    /** Seconds a warm stage container (the iso stage's) stays up for the next build; 0: none. */
    readonly keepWarm: number;
  };
}
