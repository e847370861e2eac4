// Builds the whole initramfs manifest from its layers: base tree, BusyBox, OpenRC, the flavour's layout, config/files.
import { posix } from "node:path";
import type { Flavour, ResolvedConfig } from "../config/types.js";
import { UserError } from "../errors/errors.js";
import { dirEntry, symlinkEntry } from "./manifest.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import { mergeLayers } from "./layers.js";
import type { Layer } from "./layers.js";
import { checkPath, resolveLinkTarget } from "./paths.js";

/** What the busybox stage produced: the static binary and `busybox --list-full` lines. */
export interface BusyboxBuild {
  readonly binary: Uint8Array;
  /** e.g. "bin/sh", "usr/sbin/chroot" (a leading "/" is accepted). */
  readonly applets: readonly string[];
}

export interface AssembleInput {
  readonly config: ResolvedConfig;
  readonly flavour: Flavour;
  readonly busybox: BusyboxBuild;
  /** entriesFromTar(openrc.tar): required for "openrc", absent for "minimal". */
  readonly openrcTree?: readonly ManifestEntry[];
  /** minimalLayout(config) or the OpenRC layout. */
  readonly layout: Manifest;
  /** readFilesTree(config.files). */
  readonly files: readonly ManifestEntry[];
}

export const BUSYBOX_PATH = "bin/busybox";

/** Directories every image has, with their modes. */
export const BASE_DIRECTORIES: ReadonlyArray<readonly [path: string, mode: number]> = [
  ["bin", 0o755], ["dev", 0o755], ["etc", 0o755], ["lib", 0o755], ["mnt", 0o755],
  ["proc", 0o555], ["root", 0o700], ["run", 0o755], ["sbin", 0o755], ["sys", 0o555],
  ["tmp", 0o1777], ["usr", 0o755], ["usr/bin", 0o755], ["usr/sbin", 0o755],
  ["var", 0o755], ["var/log", 0o755],
];

/**
 * The skeleton: base directories, var/run -> ../run, /dev/console and /dev/null (so
 * init has a console and a bit bucket before devtmpfs is mounted over /dev), and /init.
 * The kernel runs /init from an initramfs; a symlink to sbin/init (not a script) runs
 * whichever init the upper layers provide (BusyBox's applet, or a file that replaces it)
 * as PID 1 with no shell in between.
 */
export function baseLayer(): ManifestEntry[] {
  return [
    ...BASE_DIRECTORIES.map(([path, mode]) => dirEntry(path, mode)),
    symlinkEntry("var/run", "../run"),
    { kind: "device", path: "dev/console", mode: 0o600, type: "char", major: 5, minor: 1 },
    { kind: "device", path: "dev/null", mode: 0o666, type: "char", major: 1, minor: 3 },
    symlinkEntry("init", "sbin/init"),
  ];
}

/**
 * /bin/busybox plus one symlink per applet, relative ("bin/sh -> busybox",
 * "usr/bin/env -> ../../bin/busybox") so the tree also works when unpacked elsewhere.
 */
export function busyboxLayer(busybox: BusyboxBuild): ManifestEntry[] {
  const entries: ManifestEntry[] = [{ kind: "file", path: BUSYBOX_PATH, mode: 0o755, data: busybox.binary }];
  const seen = new Set<string>([BUSYBOX_PATH]);
  for (const line of busybox.applets) {
    const path = line.trim().replace(/^\/+/, "");
    if (path === "" || seen.has(path)) continue;
    checkPath(path, `busybox applet list, line ${JSON.stringify(line)}`);
    seen.add(path);
    const target = posix.relative(posix.dirname(`/${path}`), `/${BUSYBOX_PATH}`);
    entries.push(symlinkEntry(path, target));
  }
  return entries;
}

/** Follows symlinks from `path` through the image; the entry it ends at, or null. */
function resolveInImage(byPath: ReadonlyMap<string, ManifestEntry>, path: string): ManifestEntry | null {
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    const entry = byPath.get(current);
    if (entry?.kind !== "symlink") return entry ?? null;
    current = resolveLinkTarget(current, entry.target);
  }
  return null;
}

function checkInit(manifest: readonly ManifestEntry[]): void {
  const byPath = new Map(manifest.map((entry) => [entry.path, entry]));
  const end = resolveInImage(byPath, "init");
  if (end?.kind !== "file" && end?.kind !== "hardlink") {
    throw new UserError(
      `expected /init to lead to an executable file (BusyBox's "init" applet at sbin/init, or a file from the OpenRC tree, layout or config/files), got ${end === null ? "nothing" : `a ${end.kind}`}`,
    );
  }
}

/**
 * The whole image, sorted and without duplicates. Layers, lowest precedence first:
 * base (baseLayer) < busybox (busyboxLayer) < OpenRC tree < layout < config/files.
 * A later layer replaces an earlier entry at the same path, so an applet symlink gives
 * way to a real program from OpenRC, the layout or config/files; directories merge
 * (see mergeLayers for the exact rules). Throws UserError if /init leads nowhere.
 */
export function assembleInitramfs(input: AssembleInput): Manifest {
  if (input.flavour === "openrc" && input.openrcTree === undefined) {
    throw new Error("internal: the openrc flavour needs the OpenRC tree (openrcTree)");
  }
  if (input.flavour === "minimal" && input.openrcTree !== undefined) {
    throw new Error("internal: the minimal flavour has no OpenRC tree, but openrcTree was given");
  }
  const layers: Layer[] = [
    { name: "base", entries: baseLayer() },
    { name: "busybox", entries: busyboxLayer(input.busybox) },
    { name: "OpenRC tree (openrc.tar)", entries: input.openrcTree ?? [] },
    { name: `${input.flavour} layout`, entries: input.layout },
    { name: `config/files (${input.config.files})`, entries: input.files },
  ];
  const manifest = mergeLayers(layers);
  checkInit(manifest);
  return manifest;
}
