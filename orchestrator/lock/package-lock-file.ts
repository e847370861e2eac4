// Reads and writes an image's package lock (images/<image>/<flavour>.lock): sorted name=version lines under a comment header.
import { readFile } from "node:fs/promises";
import { UserError } from "../errors/errors.js";
import { sha256 } from "../hash/sha256.js";

export interface PackagePin {
  readonly name: string;
  readonly version: string;
}

export interface PackageLock {
  /** Project-relative path, e.g. images/toolchain/debian.lock. */
  readonly path: string;
  /** sha256 of the file's bytes: the lock digest recorded in metadata.json and the image label. */
  readonly sha256: string;
  /** Sorted by name; empty when the lock is unresolved. */
  readonly pins: readonly PackagePin[];
}

/** Parses lock text; every problem names the file and line. */
export function parsePackageLock(path: string, text: string): PackagePin[] {
  const pins: PackagePin[] = [];
  const problems: string[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const match = /^([a-z0-9][a-z0-9+._-]*)=(\S+)$/.exec(line);
    if (match === null) problems.push(`${path}:${i + 1}: expected name=version, got '${line}'`);
    else pins.push({ name: match[1]!, version: match[2]! });
  }
  const seen = new Set<string>();
  for (const pin of pins) {
    if (seen.has(pin.name)) problems.push(`${path}: package '${pin.name}' is pinned twice`);
    seen.add(pin.name);
  }
  if (problems.length > 0) throw new UserError(`${path} is not a valid package lock`, { details: problems });
  return pins.sort(byName);
}

export async function readPackageLock(absolutePath: string, path: string): Promise<PackageLock> {
  const data = await readFile(absolutePath);
  return { path, sha256: sha256(data), pins: parsePackageLock(path, data.toString("utf8")) };
}

export function formatPackageLock(header: readonly string[], pins: readonly PackagePin[]): string {
  return [...header.map((h) => `# ${h}`.trimEnd()), ...[...pins].sort(byName).map((p) => `${p.name}=${p.version}`)].join("\n") + "\n";
}

export function byName(a: PackagePin, b: PackagePin): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
