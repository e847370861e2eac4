// Compressed initramfs pieces kept on disk between builds (<cacheRoot>/initramfs-pieces), each file checked when read.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PieceCache } from "./gzip.js";

/**
 * How many pieces the directory may hold (each at most 1 MiB of deflate, most far less: an edit adds
 * one tail piece of ~50 KB); the least recently used go first. A count, so that pruning need not
 * look at the files' sizes: below it, it is one readdir.
 */
export const PIECE_CACHE_LIMIT = 64;
/** A partial file this old belongs to a writer that died. */
const STALE_PARTIAL_MS = 10 * 60 * 1000;

const KEY = /^[0-9a-f]{64}$/;
const DIGEST_BYTES = 32;

export interface DirectoryPieceCache extends PieceCache {
  /** Removes the least recently used pieces beyond the limit, and (then) dead writers' partial files. */
  prune(): Promise<void>;
}

/**
 * A PieceCache in `dir`: one file per key, holding the sha256 of the piece and then the piece,
 * written under a partial name and renamed. A file that does not match its digest (a torn or
 * damaged write) is a miss and is removed. A piece read is touched, so pruning keeps the ones in use.
 * Nothing here fails a build: a directory that cannot be read or written only costs compression.
 */
export function directoryPieceCache(dir: string, limit = PIECE_CACHE_LIMIT): DirectoryPieceCache {
  let wrote = false;
  return {
    async get(key) {
      if (!KEY.test(key)) return null;
      const path = join(dir, key);
      const bytes = await readFile(path).catch(() => null);
      if (bytes === null) return null;
      const piece = bytes.subarray(DIGEST_BYTES);
      if (bytes.length < DIGEST_BYTES || !createHash("sha256").update(piece).digest().equals(bytes.subarray(0, DIGEST_BYTES))) {
        await rm(path, { force: true }).catch(() => undefined);
        return null;
      }
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
      return piece;
    },
    async put(key, compressed) {
      if (!KEY.test(key)) return;
      await mkdir(dir, { recursive: true });
      const partial = join(dir, `.${key}.partial-${process.pid}-${randomBytes(4).toString("hex")}`);
      try {
        await writeFile(partial, Buffer.concat([createHash("sha256").update(compressed).digest(), compressed]));
        await rename(partial, join(dir, key));
        wrote = true;
      } finally {
        await rm(partial, { force: true }).catch(() => undefined);
      }
    },
    async prune() {
      if (!wrote) return;
      const names = await readdir(dir).catch(() => [] as string[]);
      if (names.length <= limit) return;
      const now = Date.now();
      const pieces: { path: string; used: number }[] = [];
      for (const name of names) {
        const path = join(dir, name);
        const info = await stat(path).catch(() => null);
        if (info === null) continue;
        if (KEY.test(name)) pieces.push({ path, used: info.mtimeMs });
        else if (name.includes(".partial-") && now - info.mtimeMs > STALE_PARTIAL_MS) await rm(path, { force: true }).catch(() => undefined);
      }
      pieces.sort((a, b) => b.used - a.used);
      for (const piece of pieces.slice(limit)) await rm(piece.path, { force: true }).catch(() => undefined);
    },
  };
}
