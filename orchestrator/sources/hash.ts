// Streaming sha256: of a file on disk, and of bytes as they are copied to a new file.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export interface HashingOptions {
  signal?: AbortSignal | undefined;
  /** Called after each chunk with the number of bytes processed so far. */
  onBytes?: ((bytes: number) => void) | undefined;
}

/** Lower-case hex sha256 of a file, read as a stream (tarballs are large). */
export async function sha256File(path: string, options: HashingOptions = {}): Promise<string> {
  const hash = createHash("sha256");
  let bytes = 0;
  const stream = createReadStream(path, options.signal === undefined ? {} : { signal: options.signal });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    options.onBytes?.(bytes);
  }
  return hash.digest("hex");
}

/** Whether the file at `path` has the sha256 `expected` (compared case-insensitively). */
export async function verifyFile(path: string, expected: string): Promise<{ ok: boolean; actual: string }> {
  const actual = await sha256File(path);
  return { ok: actual === expected.toLowerCase(), actual };
}

/**
 * Streams `source` into a new file `target` (created exclusively, flushed to disk before
 * resolving) while hashing it. Rejects on a read error, a write error or an abort.
 */
export async function copyHashing(
  source: Readable,
  target: string,
  options: HashingOptions = {},
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  // Open before streaming so no open() is still in flight when a failed caller deletes the
  // file; the stream owns the handle and, with flush, fsyncs and closes it before pipeline settles.
  const handle = await open(target, "wx", 0o644);
  const sink = createWriteStream(target, { fd: handle, flush: true });
  await pipeline(
    source,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += chunk.length;
        options.onBytes?.(bytes);
        yield chunk;
      }
    },
    sink,
    options.signal === undefined ? {} : { signal: options.signal },
  );
  return { sha256: hash.digest("hex"), bytes };
}
