// Files appear whole or not at all: write a uniquely named partial file next to the
// target, flush it, then rename it over the target (rename is atomic on one filesystem).
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const PARTIAL_MARK = ".partial-";

/** `<dir>/.<name>.partial-<pid>-<random>`: hidden, never mistaken for the target, unique per writer. */
export function partialPathFor(target: string): string {
  const name = `.${basename(target)}${PARTIAL_MARK}${process.pid}-${randomBytes(6).toString("hex")}`;
  return join(dirname(target), name);
}

/**
 * Runs `write` against a fresh partial path next to `target` (its directory is created).
 * If `write` resolves true the partial file is renamed onto `target`; if it resolves
 * false or throws, the partial file is deleted. Returns what `write` resolved.
 */
export async function replaceAtomically(
  target: string,
  write: (partialPath: string) => Promise<boolean>,
): Promise<boolean> {
  await mkdir(dirname(target), { recursive: true });
  const partial = partialPathFor(target);
  let committed = false;
  try {
    if (await write(partial)) {
      await rename(partial, target);
      committed = true;
    }
    return committed;
  } finally {
    if (!committed) await rm(partial, { force: true });
  }
}

/** Writes `data` to `path` atomically (flushed to disk before the rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await replaceAtomically(path, async (partial) => {
    const handle = await open(partial, "wx", 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  });
}

/**
 * Deletes partial files in `dir` left by writers that no longer run (a crash, a kill -9).
 * Partial files of live processes, including this one, are left alone. Returns the names removed.
 */
export async function removeStalePartials(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = partialOwner(name);
    if (pid === null || processIsAlive(pid)) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/** The pid in a partial file's name, or null if `name` is not a partial file. */
export function partialOwner(name: string): number | null {
  if (!name.startsWith(".")) return null;
  const match = /\.partial-(\d+)-[0-9a-f]+$/.exec(name);
  return match?.[1] === undefined ? null : Number(match[1]);
}

export function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return !isErrno(error, "ESRCH");
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
