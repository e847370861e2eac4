// Reads the config's static files tree (config/files) from the host as manifest entries.
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import type { Stats } from "node:fs";
import { UserError } from "../errors/errors.js";
import { CRLF_HINTS, crlfProblem, firstCrlfLine } from "../util/line-endings.js";
import { isExecutableContent } from "../util/executable-content.js";
import type { ManifestEntry } from "./manifest.js";
import { comparePaths, pathProblem, targetProblem } from "./paths.js";
import { checkTreeFileSize, readTreeDir, unreadable } from "./tree-read.js";

/**
 * Names skipped wherever they appear: `.gitkeep` only exists so that git keeps an
 * otherwise empty directory (the directory itself is still part of the image).
 */
export const IGNORED_NAMES: readonly string[] = [".gitkeep"];

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  return "an unknown kind of file";
}

async function statOrNothing(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Every directory, file and symlink under `dir`, as image paths relative to it, sorted.
 * Directories become 0755; files follow imageFileMode (never the host's permission bits);
 * symlinks keep their target as written. Anything else (pipes, sockets, devices), an
 * unusable name, a text file with CRLF line endings or a missing `dir` throws UserError
 * (all CRLF files at once); only IGNORED_NAMES are skipped.
 */
export async function readFilesTree(dir: string, signal?: AbortSignal): Promise<ManifestEntry[]> {
  const top = await statOrNothing(dir);
  if (top === null || !top.isDirectory()) {
    throw new UserError(`expected the files tree (config "files:") to be a directory at ${dir}, got ${top === null ? "nothing" : "a file"}`);
  }
  const entries: ManifestEntry[] = [];
  await walk(dir, "", entries, signal);
  const crlf = entries.flatMap((entry) => {
    const line = entry.kind === "file" ? firstCrlfLine(entry.data) : null;
    return line === null ? [] : [crlfProblem(join(dir, entry.path), line)];
  });
  if (crlf.length === 1) throw new UserError(crlf[0]!, { details: CRLF_HINTS });
  if (crlf.length > 1) {
    throw new UserError(`expected LF line endings in the files tree ${dir}, got CRLF in ${crlf.length} files`, {
      details: [...crlf, ...CRLF_HINTS],
    });
  }
  return entries.sort((a, b) => comparePaths(a.path, b.path));
}

/**
 * The mode a file of the files tree gets in the image, from its content alone, so a checkout
 * without exec bits (Windows, some archives) builds the same image: 0755 for scripts (`#!`)
 * and ELF programs, 0644 for everything else.
 */
export function imageFileMode(data: Uint8Array): number {
  return isExecutableContent(data) ? 0o755 : 0o644;
}

/** A cancel (`signal`) ends the walk before the next entry, with the signal's reason. */
async function walk(hostDir: string, imageDir: string, entries: ManifestEntry[], signal: AbortSignal | undefined): Promise<void> {
  const names = (await readTreeDir(hostDir)).filter((name) => !IGNORED_NAMES.includes(name));
  for (const name of names) {
    signal?.throwIfAborted();
    const hostPath = join(hostDir, name);
    const path = imageDir === "" ? name : `${imageDir}/${name}`;
    const problem = pathProblem(path);
    if (problem !== null) throw new UserError(`${hostPath}: expected a name the image can hold, got ${problem}`);
    const stats = await lstat(hostPath);
    if (stats.isDirectory()) {
      entries.push({ kind: "dir", path, mode: 0o755 });
      await walk(hostPath, path, entries, signal);
    } else if (stats.isFile()) {
      checkTreeFileSize(hostPath, stats.size);
      const data = await readFile(hostPath).catch((error: unknown) => Promise.reject(unreadable(hostPath, error)));
      entries.push({ kind: "file", path, mode: imageFileMode(data), data });
    } else if (stats.isSymbolicLink()) {
      const target = await readlink(hostPath);
      const bad = targetProblem(target);
      if (bad !== null) throw new UserError(`${hostPath}: expected a symlink target the image can hold, got ${bad}`);
      entries.push({ kind: "symlink", path, target });
    } else {
      throw new UserError(`${hostPath}: expected only directories, regular files and symlinks in the files tree, got ${kindOf(stats)}`);
    }
  }
}
