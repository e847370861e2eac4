// Checks a whole manifest before it is serialised, reporting every problem at once.
import { UserError } from "../errors/errors.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import { comparePaths, parentPath, pathProblem, targetProblem } from "./paths.js";

/** newc stores sizes in 8 hex digits. */
export const MAX_FILE_BYTES = 0xffff_ffff;
/** Linux dev_t: 12 bits of major, 20 bits of minor. */
export const MAX_DEVICE_MAJOR = 0xfff;
export const MAX_DEVICE_MINOR = 0xf_ffff;

const octal = (mode: number): string => `0o${mode.toString(8)}`;

function isWhole(value: unknown, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max;
}

function modeProblem(mode: unknown): string | null {
  if (isWhole(mode, 0o7777)) return null;
  const got = typeof mode === "number" && Number.isInteger(mode) && mode >= 0 ? octal(mode) : String(mode);
  return `expected permission bits from 0 to 0o7777 (the type comes from "kind"), got ${got}`;
}

/** Problems of one entry on its own (its path, mode, data, target, device numbers). */
function entryProblems(entry: ManifestEntry): string[] {
  const problems: string[] = [];
  const add = (problem: string | null): void => {
    if (problem !== null) problems.push(problem);
  };
  const path = pathProblem(entry.path);
  if (path !== null) add(`expected a relative path without '.' or '..' components, got ${path}`);
  switch (entry.kind) {
    case "dir":
      add(modeProblem(entry.mode));
      break;
    case "file":
      add(modeProblem(entry.mode));
      if (entry.data.byteLength > MAX_FILE_BYTES) {
        problems.push(`expected at most ${MAX_FILE_BYTES} bytes of data, got ${entry.data.byteLength}`);
      }
      break;
    case "symlink": {
      const target = targetProblem(entry.target);
      if (target !== null) problems.push(`expected a symlink target, got ${target}`);
      break;
    }
    case "device":
      add(modeProblem(entry.mode));
      if (entry.type !== "char" && entry.type !== "block") {
        problems.push(`expected device type "char" or "block", got ${JSON.stringify(entry.type)}`);
      }
      if (!isWhole(entry.major, MAX_DEVICE_MAJOR)) {
        problems.push(`expected a device major number from 0 to ${MAX_DEVICE_MAJOR}, got ${entry.major}`);
      }
      if (!isWhole(entry.minor, MAX_DEVICE_MINOR)) {
        problems.push(`expected a device minor number from 0 to ${MAX_DEVICE_MINOR}, got ${entry.minor}`);
      }
      break;
    case "hardlink":
      if (pathProblem(entry.target) !== null) {
        problems.push(`expected a hard link target that is a valid path, got ${JSON.stringify(entry.target)}`);
      }
      break;
    default: {
      const kind = (entry as { kind?: unknown }).kind;
      problems.push(`expected kind dir, file, symlink, device or hardlink, got ${JSON.stringify(kind)}`);
    }
  }
  return problems;
}

/** Problems between entries: duplicates, parents, hard link targets. */
function relationProblems(entry: ManifestEntry, byPath: ReadonlyMap<string, ManifestEntry>): string[] {
  const parent = parentPath(entry.path);
  if (parent !== null) {
    const parentEntry = byPath.get(parent);
    if (parentEntry === undefined) return [`expected its parent directory "${parent}" in the manifest, got nothing`];
    if (parentEntry.kind !== "dir") return [`expected its parent "${parent}" to be a directory, got a ${parentEntry.kind}`];
  }
  if (entry.kind === "hardlink") {
    const target = byPath.get(entry.target);
    if (target === undefined) return [`expected hard link target "${entry.target}" in the manifest, got nothing`];
    if (target.kind !== "file") return [`expected hard link target "${entry.target}" to be a file, got a ${target.kind}`];
  }
  return [];
}

/**
 * Returns the entries sorted by path (see comparePaths), or throws one UserError whose
 * details list every problem as `"path": expected ..., got ...`.
 * Parents are never created here: every parent directory must be an entry itself.
 */
export function checkManifest(manifest: Manifest): ManifestEntry[] {
  const problems: string[] = [];
  const byPath = new Map<string, ManifestEntry>();
  for (const entry of manifest) {
    const own = entryProblems(entry);
    problems.push(...own.map((problem) => `${JSON.stringify(entry.path)}: ${problem}`));
    if (byPath.has(entry.path)) {
      problems.push(`${JSON.stringify(entry.path)}: expected each path once, got it twice (${byPath.get(entry.path)?.kind} and ${entry.kind})`);
    } else {
      byPath.set(entry.path, entry);
    }
  }
  if (problems.length === 0) {
    for (const entry of manifest) {
      problems.push(...relationProblems(entry, byPath).map((problem) => `${JSON.stringify(entry.path)}: ${problem}`));
    }
  }
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    throw new UserError(`invalid initramfs manifest: ${problems[0]}${more}`, { details: problems });
  }
  return [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
}
