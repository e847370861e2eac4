// A stable, human-readable text listing of a manifest, one line per entry (used for golden files).
import { sha256 } from "../hash/sha256.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import { comparePaths } from "./paths.js";

/** Hex digits of sha256 shown per file: enough to tell contents apart in a diff. */
export const LISTING_HASH_DIGITS = 16;

const TYPE_CHARACTER: Readonly<Record<string, string>> = { dir: "d", file: "-", hardlink: "-", symlink: "l", char: "c", block: "b" };

/** ls-style permissions: "rwxr-xr-x", with s/S for setuid/setgid and t/T for sticky. */
export function permissionString(mode: number): string {
  const triplet = (bits: number, special: boolean, letter: string): string => {
    const execute = (bits & 1) !== 0;
    const x = special ? (execute ? letter : letter.toUpperCase()) : execute ? "x" : "-";
    return `${bits & 4 ? "r" : "-"}${bits & 2 ? "w" : "-"}${x}`;
  };
  return (
    triplet((mode >> 6) & 7, (mode & 0o4000) !== 0, "s") +
    triplet((mode >> 3) & 7, (mode & 0o2000) !== 0, "s") +
    triplet(mode & 7, (mode & 0o1000) !== 0, "t")
  );
}

function sha256Prefix(data: Uint8Array): string {
  return sha256(data).slice(0, LISTING_HASH_DIGITS);
}

function line(entry: ManifestEntry, byPath: ReadonlyMap<string, ManifestEntry>): string {
  switch (entry.kind) {
    case "dir":
      return `d${permissionString(entry.mode)} 0 0 ${entry.path}`;
    case "file":
      return `-${permissionString(entry.mode)} 0 0 ${entry.data.byteLength} ${entry.path} sha256:${sha256Prefix(entry.data)}`;
    case "symlink":
      return `l${permissionString(0o777)} 0 0 ${entry.path} -> ${entry.target}`;
    case "device":
      return `${TYPE_CHARACTER[entry.type]}${permissionString(entry.mode)} 0 0 ${entry.major},${entry.minor} ${entry.path}`;
    case "hardlink": {
      const target = byPath.get(entry.target);
      const mode = target?.kind === "file" ? permissionString(target.mode) : "?????????";
      return `-${mode} 0 0 ${entry.path} link to ${entry.target}`;
    }
  }
}

/**
 * One line per entry, sorted by path, ending in a newline:
 *   drwxr-xr-x 0 0 etc
 *   -rwxr-xr-x 0 0 1134 bin/busybox sha256:<16 hex digits>
 *   lrwxrwxrwx 0 0 bin/sh -> busybox
 *   crw------- 0 0 5,1 dev/console
 *   -rwxr-xr-x 0 0 usr/bin/b link to usr/bin/a      (a hard link; mode of its target)
 * The two zeros are owner and group, which are always root.
 */
export function listing(manifest: Manifest): string {
  const byPath = new Map(manifest.map((entry) => [entry.path, entry]));
  const sorted = [...manifest].sort((a, b) => comparePaths(a.path, b.path));
  return sorted.map((entry) => `${line(entry, byPath)}\n`).join("");
}
