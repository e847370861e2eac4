// Compressed initramfs pieces kept on disk between builds (<cacheRoot>/initramfs-pieces), each file checked when read.
import { createHash } from "node:crypto";
import { readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { removeStalePartials, replaceAtomically } from "../util/atomic.js";
import type { PieceCache } from "./gzip.js";

/**
 * How many pieces the directory may hold (each at most 1 MiB of deflate, most far less: an edit adds
 * one tail piece of ~50 KB); the least recently used go first. A count, so that pruning need not
 * look at the files' sizes: below it, it is one readdir. An image of more pieces than this (64 MiB
 * of cpio) is not stored at all: it would only push itself out.
 */
export const PIECE_CACHE_LIMIT = 64;

const KEY = /^[0-9a-f]{64}$/;
const DIGEST_BYTES = 32;
/** What a piece's file starts with: the raw sha256 of the piece after it. */
const digestOf = (piece: Uint8Array): Buffer => createHash("sha256").update(piece).digest();

export interface DirectoryPieceCache extends PieceCache {
  /**
   * Writes the pieces added since the last store (each under a partial name, then renamed), removes
   * dead writers' partial files and prunes beyond the limit. Call it once the image is complete: a
   * build cancelled before writes nothing. Never throws: a cache that cannot be written only costs
   * compression next time.
   */
  store(): Promise<void>;
}

/**
 * A PieceCache in `dir`: one file per key, holding the sha256 of the piece and then the piece.
 * A file that does not match its digest (damaged) is a miss and is removed. A piece read is
 * touched, so pruning keeps the ones in use.
 */
export function directoryPieceCache(dir: string, limit = PIECE_CACHE_LIMIT): DirectoryPieceCache {
  const added = new Map<string, Uint8Array>();
  let looked = 0;
  return {
    async get(key) {
      looked += 1;
      if (!KEY.test(key)) return null;
      const path = join(dir, key);
      const bytes = await readFile(path).catch(() => null);
      if (bytes === null) return null;
      const piece = bytes.subarray(DIGEST_BYTES);
      if (bytes.length < DIGEST_BYTES || !digestOf(piece).equals(bytes.subarray(0, DIGEST_BYTES))) {
        await rm(path, { force: true }).catch(() => undefined);
        return null;
      }
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
      return piece;
    },
    add(key, compressed) {
      if (KEY.test(key)) added.set(key, compressed);
    },
    async store() {
      const pieces = [...added];
      added.clear();
      // gzipDeterministic asks for every piece of the image once.
      const imagePieces = looked;
      looked = 0;
      try {
        await removeStalePartials(dir);
        if (pieces.length === 0 || imagePieces > limit) return;
        for (const [key, compressed] of pieces) {
          await replaceAtomically(join(dir, key), async (partial) => {
            await writeFile(partial, Buffer.concat([digestOf(compressed), compressed]));
            return true;
          });
        }
        await prune(dir, limit);
      } catch {
        // Only a cache: the image is complete without it.
      }
    },
  };
}

/** Removes the least recently used pieces beyond `limit`. */
async function prune(dir: string, limit: number): Promise<void> {
  const names = (await readdir(dir)).filter((name) => KEY.test(name));
  if (names.length <= limit) return;
  const pieces: { path: string; used: number }[] = [];
  for (const name of names) {
    const info = await stat(join(dir, name)).catch(() => null);
    if (info !== null) pieces.push({ path: join(dir, name), used: info.mtimeMs });
  }
  pieces.sort((a, b) => b.used - a.used);
  for (const piece of pieces.slice(limit)) await rm(piece.path, { force: true });
}
