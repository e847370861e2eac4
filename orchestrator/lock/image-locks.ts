// Which images have a package lock, where its files live, and how a refreshed lock differs from the committed one.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ToolchainFlavour } from "../config/types.js";
import { packageRoot } from "../util/package-root.js";
import type { PackagePin } from "./package-lock-file.js";

export type LockedImage = "toolchain" | "runner";

/** Project-relative directory holding <flavour>.packages and <flavour>.lock for each image. */
export const LOCK_DIRS: Readonly<Record<LockedImage, string>> = {
  toolchain: "images/toolchain",
  runner: "images/qemu",
};

export const LOCK_FILE_NAME = /^(alpine|debian)\.(lock|packages)$/;

export function lockPath(image: LockedImage, flavour: ToolchainFlavour): string {
  return `${LOCK_DIRS[image]}/${flavour}.lock`;
}

export function packagesPath(image: LockedImage, flavour: ToolchainFlavour): string {
  return `${LOCK_DIRS[image]}/${flavour}.packages`;
}

/** The names in <flavour>.packages (comments and blank lines skipped). */
export async function packageNames(image: LockedImage, flavour: ToolchainFlavour): Promise<string[]> {
  const text = await readFile(join(packageRoot, packagesPath(image, flavour)), "utf8");
  return text
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .flatMap((l) => (l === "" ? [] : l.split(/\s+/)));
}

export function lockHeader(image: LockedImage, flavour: ToolchainFlavour, base: string): string[] {
  return [
    `base: ${base}`,
    `Package lock of the ${flavour} ${image === "toolchain" ? "toolchain" : "QEMU runner"} image: every package its install step adds or`,
    `upgrades on top of ${base}, installed as name=version and checked after the install.`,
    `Names come from ${flavour}.packages. Refresh: levitate-docker lock toolchain --flavour ${flavour} (add --write to apply).`,
  ];
}

export interface PinChange {
  readonly name: string;
  readonly from: string | null;
  readonly to: string | null;
}

export function diffPins(from: readonly PackagePin[], to: readonly PackagePin[]): PinChange[] {
  const before = new Map(from.map((p) => [p.name, p.version]));
  const after = new Map(to.map((p) => [p.name, p.version]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  return names
    .map((name) => ({ name, from: before.get(name) ?? null, to: after.get(name) ?? null }))
    .filter((c) => c.from !== c.to);
}

export function formatPinChange(change: PinChange): string {
  if (change.from === null) return `+ ${change.name}=${change.to}`;
  if (change.to === null) return `- ${change.name}=${change.from}`;
  return `~ ${change.name} ${change.from} -> ${change.to}`;
}
