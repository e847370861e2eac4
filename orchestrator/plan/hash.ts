// Content hashes for cache keys: stable across machines, file order and JSON key order.
import { createHash } from "node:crypto";

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Hash of a string-to-string map, independent of key order. */
export function hashInputs(inputs: Readonly<Record<string, string>>): string {
  const lines = Object.keys(inputs)
    .sort()
    .map((k) => `${k}\0${inputs[k]}\n`);
  return sha256(lines.join(""));
}
