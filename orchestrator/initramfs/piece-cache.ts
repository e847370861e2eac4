// Compressed initramfs pieces kept on disk between builds (<cacheRoot>/initramfs-pieces), each file checked when read.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PieceCache } from "./gzip.js";

/** What the directory may hold; the least recently used pieces go first. */
export const PIECE_CACHE_LIMIT_BYTES = 32 * 1024 * 1024;
/** A partial file this old belongs to a writer that died. */
const STALE_PARTIAL_MS = 10 * 60 * 1000;

const KEY = /^[0-9a-f]{64}$/;
const DIGEST_BYTES = 32;

export interface DirectoryPieceCache extends PieceCache {
  /** Removes the least recently used pieces beyond the limit, and dead writers' partial files. */
  prune(): Promise<void>;
}

/**
 * A PieceCache in `dir`: one file per key, holding the sha256 of the piece and then the piece,
 * written under a partial name and renamed. A file that does not match its digest (a torn or
 * damaged write) is a miss and is removed. A piece read is touched, so pruning keeps the ones in use.
 * Nothing here fails a build: a directory that cannot be read or written only costs compression.
 */
export function directoryPieceCache(dir: string, limitBytes = PIECE_CACHE_LIMIT_BYTES): DirectoryPieceCache {
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
      const now = Date.now();
      const pieces: { path: string; size: number; used: number }[] = [];
      for (const name of names) {
        const path = join(dir, name);
        const info = await stat(path).catch(() => null);
        if (info === null) continue;
        if (KEY.test(name)) pieces.push({ path, size: info.size, used: info.mtimeMs });
        else if (name.includes(".partial-") && now - info.mtimeMs > STALE_PARTIAL_MS) await rm(path, { force: true }).catch(() => undefined);
      }
      pieces.sort((a, b) => b.used - a.used);
      let kept = 0;
      for (const piece of pieces) {
        kept += piece.size;
        if (kept > limitBytes) await rm(piece.path, { force: true }).catch(() => undefined);
      }
    },
  };
}
