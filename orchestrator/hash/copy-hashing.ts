// Streams bytes into a new file while hashing them (downloads): one read of the data, flushed before it counts.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { HashingOptions } from "./sha256.js";

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
