// Reading the config's files tree safely: UTF-8 names only, bounded file sizes, clear errors for unreadable parts.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors/errors.js";

/** The initramfs lives in the guest's RAM: a file this large in it is a mistake, not a wish. */
export const MAX_TREE_FILE_BYTES = 1024 ** 3;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The names in `dir` (sorted by the caller), refusing names that are not UTF-8 and directories that cannot be read. */
export async function readTreeDir(dir: string): Promise<string[]> {
  let raw: Buffer[];
  try {
    raw = await readdir(dir, { encoding: "buffer" });
  } catch (error) {
    throw unreadable(dir, error);
  }
  return raw.map((bytes) => {
    try {
      return utf8.decode(bytes);
    } catch {
      const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
      throw new UserError(`${join(dir, bytes.toString("latin1"))}: expected a UTF-8 file name in the files tree, got the bytes ${hex}`);
    }
  });
}

export function checkTreeFileSize(path: string, bytes: number): void {
  if (bytes > MAX_TREE_FILE_BYTES) {
    throw new UserError(
      `${path}: expected files of at most ${MAX_TREE_FILE_BYTES / 1024 ** 3} GiB in the files tree (it is unpacked into the guest's RAM), got ${(bytes / 1024 ** 3).toFixed(1)} GiB`,
    );
  }
}

/** An EACCES/EPERM while reading the tree as a UserError naming the path; anything else unchanged. */
export function unreadable(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "EACCES" || code === "EPERM") {
    return new UserError(`${path}: cannot read it (permission denied); the files tree must be readable by the user running levitate-docker`, { cause: error });
  }
  return error;
}
