// The one place content is hashed: bytes, files (streamed, never read whole) and named inputs (cache keys).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export interface HashingOptions {
  signal?: AbortSignal | undefined;
  /** Called after each chunk with the number of bytes processed so far. */
  onBytes?: ((bytes: number) => void) | undefined;
}

/** Lower-case hex sha256 of bytes or a string (UTF-8). */
export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Lower-case hex sha256 of a file, read as a stream (tarballs and ISOs are large). */
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

/** A cache key: the hash of a name-to-value map, independent of key order. */
export function hashInputs(inputs: Readonly<Record<string, string>>): string {
  const lines = Object.keys(inputs)
    .sort()
    .map((k) => `${k}\0${inputs[k]}\n`);
  return sha256(lines.join(""));
}
