// The OpenRC flavour's boot flow as initramfs entries: BusyBox init hands each runlevel to OpenRC, and the config decides which services start.
import type { ResolvedConfig } from "../config/types.js";
import { RUNLEVELS } from "../config/types.js";
import { UserError } from "../errors/errors.js";
import { identityFiles } from "./identity-files.js";
import { dirEntry, symlinkEntry, textFileEntry } from "./manifest.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import { AUTOLOGIN_PATH } from "./minimal-layout.js";
import { networkFiles } from "./network-files.js";

/** What exists to be linked into runlevels. */
export interface OpenrcAvailable {
  /** Names in the OpenRC tree's etc/init.d plus config/files/etc/init.d. */
  readonly initScripts: readonly string[];
}

/** Every runlevel directory OpenRC may look at; they exist even when empty. */
export const OPENRC_RUNLEVEL_DIRS = ["sysinit", "boot", "default", "shutdown", "nonetwork"] as const;

/**
 * Mount points and state directories OpenRC expects on the root filesystem. /proc and /run
 * must exist before `openrc sysinit` (its init.sh mounts them and stops if /run is missing);
 * devfs mounts /dev, sysfs mounts /sys, bootmisc fills /var and wipes /tmp.
 */
const ROOT_DIRS: readonly (readonly [string, number])[] = [
  ["dev", 0o755],
  ["etc/rc.conf.d", 0o755],
  ["etc/runlevels", 0o755],
  ["proc", 0o555],
  ["run", 0o755],
  ["sys", 0o555],
  ["tmp", 0o1777],
  ["var", 0o755],
  ["var/log", 0o755],
];

/**
 * Settings for a system that runs from its initramfs, read by OpenRC after /etc/rc.conf
 * (so the upstream file and its documentation stay untouched).
 */
const RC_CONF = `# LevitateOS: OpenRC settings for a system that runs from its initramfs.
# Written by levitate-docker (orchestrator/initramfs/openrc-layout.ts); read after /etc/rc.conf.

# A VM or bare metal, never a container: no detection, no keyword-based skipping of services.
rc_sys=""

# Start services one at a time, so every boot prints the same lines in the same order.
rc_parallel="NO"

# The root filesystem is the initramfs, already in RAM and writable: there is nothing to fsck
# or remount, so bootmisc must not pull in localmount (which needs fsck and root).
rc_bootmisc_need="!localmount"
`;

const FSTAB = `# LevitateOS runs from its initramfs: / is the kernel's rootfs, already writable.
# OpenRC mounts /proc and /run (openrc sysinit), /sys (sysfs), /dev, /dev/pts, /dev/shm (devfs).
# <file system>  <mount point>  <type>  <options>  <dump>  <pass>
`;

/** /etc/inittab: BusyBox init is PID 1 and hands sysinit, boot, default and shutdown to OpenRC. */
export function openrcInittab(init: ResolvedConfig["init"]): string {
  const tty = init.console;
  // Naming the tty in the first field makes init open it as the controlling terminal (job control).
  const consoleLine =
    init.login === "autologin"
      ? [
          `# ${tty}: getty logs root in without a prompt (init.login: autologin; speed 0 keeps the kernel's)`,
          `${tty}::respawn:/sbin/getty -L -n -l /${AUTOLOGIN_PATH} 0 ${tty} vt100`,
        ]
      : [`# ${tty}: a root login shell with job control (init.login: shell)`, `${tty}::respawn:-/bin/sh`];
  return [
    "# /etc/inittab for LevitateOS (OpenRC flavour), written by levitate-docker from the config.",
    "# BusyBox init is PID 1; OpenRC mounts /proc, /run, /sys, /dev and runs the runlevels.",
    "::sysinit:/sbin/openrc sysinit",
    "::wait:/sbin/openrc boot",
    "::wait:/sbin/openrc default",
    "",
    ...consoleLine,
    "",
    "::ctrlaltdel:/sbin/reboot",
    "# poweroff and reboot stop every service through OpenRC's shutdown runlevel first",
    "::shutdown:/sbin/openrc shutdown",
    "",
  ].join("\n");
}

/** The service names among paths like "etc/init.d/<name>" (helpers such as functions.sh excluded). */
export function initScriptNames(paths: readonly string[]): string[] {
  const names = new Set<string>();
  for (const path of paths) {
    const match = /^\/?(?:\.\/)?etc\/init\.d\/([^/]+)$/.exec(path);
    if (match?.[1] !== undefined && !match[1].endsWith(".sh")) names.add(match[1]);
  }
  return [...names].sort();
}

/** Fails with every runlevel entry that names no init script or repeats within its runlevel. */
function checkRunlevels(config: ResolvedConfig, available: OpenrcAvailable): void {
  const known = new Set(available.initScripts);
  const problems: string[] = [];
  for (const level of RUNLEVELS) {
    const seen = new Set<string>();
    for (const service of config.openrc.runlevels[level]) {
      if (!known.has(service)) {
        problems.push(`openrc.runlevels.${level}: "${service}" has no init script in /etc/init.d`);
      } else if (seen.has(service)) {
        problems.push(`openrc.runlevels.${level}: "${service}" is listed twice`);
      }
      seen.add(service);
    }
  }
  if (problems.length > 0) {
    const names = [...known].sort().join(", ");
    throw new UserError(
      `${problems.length} OpenRC service${problems.length === 1 ? "" : "s"} in ${config.configFile} cannot be enabled`,
      {
        details: [
          ...problems,
          `init scripts available (OpenRC's and ${config.files}/etc/init.d): ${names || "none"}`,
        ],
      },
    );
  }
}

/** `login -f root` asks for no password; getty passes "--" as an argument, which is ignored. */
const AUTOLOGIN_SCRIPT = `#!/bin/sh
# /${AUTOLOGIN_PATH}: getty runs this on the console to log root in (init.login: autologin); written by levitate-docker.
exec /bin/login -f root
`;

/** Groups OpenRC's own scripts chown to: init.sh makes /run/lock root:uucp (and warns if uucp is unknown). */
const OPENRC_GROUPS: readonly string[] = ["uucp:x:14:"];

/** The shared identity files, with the groups OpenRC needs appended to etc/group where missing. */
function openrcIdentityFiles(config: ResolvedConfig): ManifestEntry[] {
  return identityFiles(config, "openrc").map((entry) => {
    if (entry.kind !== "file" || entry.path !== "etc/group") return entry;
    const group = new TextDecoder().decode(entry.data);
    const names = new Set(group.split("\n").map((line) => line.split(":")[0]));
    const missing = OPENRC_GROUPS.filter((line) => !names.has(line.split(":")[0]));
    const text = group + (group === "" || group.endsWith("\n") ? "" : "\n") + missing.map((line) => `${line}\n`).join("");
    return textFileEntry(entry.path, text, entry.mode);
  });
}

/**
 * Everything the OpenRC flavour adds over the base image and the OpenRC tree (openrc.tar):
 * the identity files (hostname, which OpenRC's hostname service reads, os-release, passwd,
 * group, shadow, profile), inittab, rc.conf.d/levitate.conf, fstab, the runlevel
 * directories and one link per service the config enables. Laid over the OpenRC tree, so
 * its files replace that tree's; config/files is laid over it in turn.
 * Throws UserError listing every runlevel entry that names no init script.
 */
export function openrcLayout(config: ResolvedConfig, available: OpenrcAvailable): Manifest {
  checkRunlevels(config, available);
  const entries: ManifestEntry[] = [
    ...openrcIdentityFiles(config),
    ...ROOT_DIRS.map(([path, mode]) => dirEntry(path, mode)),
    ...OPENRC_RUNLEVEL_DIRS.map((level) => dirEntry(`etc/runlevels/${level}`)),
    textFileEntry("etc/inittab", openrcInittab(config.init)),
    textFileEntry("etc/rc.conf.d/levitate.conf", RC_CONF),
    textFileEntry("etc/fstab", FSTAB),
    ...networkFiles(),
  ];
  if (config.init.login === "autologin") {
    entries.push(dirEntry("sbin"), textFileEntry(AUTOLOGIN_PATH, AUTOLOGIN_SCRIPT, 0o755));
  }
  for (const level of RUNLEVELS) {
    for (const service of config.openrc.runlevels[level]) {
      entries.push(symlinkEntry(`etc/runlevels/${level}/${service}`, `/etc/init.d/${service}`));
    }
  }
  return entries;
}
