// Streams bytes into a new file while hashing them (downloads, a stage's outputs): one read of the data.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { Transform } from "node:stream";
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

/**
 * A pass-through stream that hashes what goes through it; `onEnd` gets the sha256 and byte count
 * once all of it has (a stream that fails or is destroyed before its end never calls it).
 */
export function hashingStream(onEnd: (digest: { sha256: string; bytes: number }) => void): Transform {
  const hash = createHash("sha256");
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      onEnd({ sha256: hash.digest("hex"), bytes });
      done();
    },
  });
}
