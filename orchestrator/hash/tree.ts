// A directory tree as named hashes: every file, symlink and directory, named by its path inside the tree.
import { lstat, readdir, readlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { allInOrder, limiter } from "../util/concurrency.js";
import { sha256File } from "./sha256.js";

/** How the tree is read; the files tree passes its own checks (UTF-8 names, sizes, clear errors). */
export interface TreeReader {
  /** The names in a directory (sorted here). */
  readonly readDir?: (dir: string) => Promise<string[]>;
  /** Throws for a file the tree may not hold. */
  readonly checkFile?: (path: string, bytes: number) => void;
  /** Turns a read error into the error to throw. */
  readonly readError?: (path: string, error: unknown) => unknown;
}

export interface TreeOptions extends TreeReader {
  /** Keep only files whose name ends with this (e.g. ".js" for code); directories are then left out. */
  readonly extension?: string;
}

type Entry = readonly [name: string, value: string];

/** Files read at once: enough to keep the thread pool busy, few enough for any open-file limit. */
const FILES_AT_ONCE = 16;

/**
 * `<prefix>/<path>` -> "dir" | "symlink TARGET" | "file HASH": where the tree lives and the host's
 * permission bits do not matter (image modes come from content, see initramfs/files-tree.ts).
 * The entries of a directory are read at once (every build plans, and one file after another
 * waited for each read in turn); the result, and the error thrown, follow sorted path order all the same.
 */
export async function hashTree(root: string, prefix: string, options: TreeOptions = {}): Promise<Record<string, string>> {
  const readDir = options.readDir ?? ((dir: string) => readdir(dir));
  const limit = limiter(FILES_AT_ONCE);
  const walk = async (dir: string): Promise<Entry[]> => {
    const names = (await readDir(dir)).sort();
    const parts = await allInOrder(
      names.map(async (entry): Promise<Entry[]> => {
        const full = join(dir, entry);
        const info = await limit(() => lstat(full));
        const name = `${prefix}/${relative(root, full)}`;
        if (info.isDirectory()) {
          const below = await walk(full);
          return options.extension === undefined ? [[name, "dir"], ...below] : below;
        }
        if (options.extension !== undefined && !entry.endsWith(options.extension)) return [];
        if (info.isSymbolicLink()) return [[name, `symlink ${await limit(() => readlink(full))}`]];
        if (!info.isFile()) return [];
        options.checkFile?.(full, info.size);
        const hash = await limit(() => sha256File(full)).catch((error: unknown) => Promise.reject(options.readError?.(full, error) ?? error));
        return [[name, `file ${hash}`]];
      }),
    );
    return parts.flat();
  };
  return Object.fromEntries(await walk(root));
}
