// A directory tree as named hashes: every file, symlink and directory, named by its path inside the tree.
import { lstat, readdir, readlink } from "node:fs/promises";
import { join, relative } from "node:path";
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

/**
 * `<prefix>/<path>` -> "dir" | "symlink TARGET" | "file HASH" (files streamed): where the tree lives and the host's
 * permission bits do not matter (image modes come from content, see initramfs/files-tree.ts).
 */
export async function hashTree(root: string, prefix: string, options: TreeOptions = {}): Promise<Record<string, string>> {
  const readDir = options.readDir ?? ((dir: string) => readdir(dir));
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readDir(dir)).sort()) {
      const full = join(dir, entry);
      const info = await lstat(full);
      const name = `${prefix}/${relative(root, full)}`;
      if (info.isDirectory()) {
        if (options.extension === undefined) out[name] = "dir";
        await walk(full);
      } else if (options.extension !== undefined && !entry.endsWith(options.extension)) continue;
      else if (info.isSymbolicLink()) out[name] = `symlink ${await readlink(full)}`;
      else if (info.isFile()) {
        options.checkFile?.(full, info.size);
        out[name] = `file ${await sha256File(full).catch((error: unknown) => Promise.reject(options.readError?.(full, error) ?? error))}`;
      }
    }
  };
  await walk(root);
  return out;
}
