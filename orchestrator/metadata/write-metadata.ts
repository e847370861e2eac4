// Writes out/metadata.json atomically, never with less than the previous one knew; reads back what it wrote without loading its schema.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { sha256 } from "../hash/sha256.js";
import { writeFileAtomic } from "../util/atomic.js";
import { codeStamp } from "../util/package-root.js";
import { keepKnown } from "./assemble-metadata.js";
import type { BuildMetadata } from "./metadata-schema.js";

/**
 * Where the digest of the metadata.json last written at `metadataPath` is kept (in the cache, not in
 * out/). A file whose bytes match it is the tool's own and needs no schema check when read back:
 * loading the schema's library (zod) cost every edit -> ISO build about 60 ms.
 */
export function writtenRecordPath(cacheRoot: string, metadataPath: string): string {
  return join(cacheRoot, "metadata-written", sha256(resolve(metadataPath)).slice(0, 16));
}

let schemaStamp: string | undefined;

/** The metadata's bytes and the schema module's build: a rebuilt or upgraded tool trusts nothing an older one wrote. */
function writtenDigest(text: string): string {
  // Stat'ed once a process: a publish reads the previous file back, then writes the next.
  schemaStamp ??= codeStamp(import.meta.url, "metadata-schema.");
  return sha256(`${schemaStamp}\n${text}`);
}

/**
 * The previous metadata.json if it is one of ours in the current shape; anything else counts as none.
 * With `record` (see writtenRecordPath), bytes this tool wrote there are taken as they are; any other
 * file (edited by hand, written by another version) is checked against the schema.
 */
export async function readPreviousMetadata(path: string, record?: string): Promise<BuildMetadata | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  try {
    if (record !== undefined && (await readFile(record, "utf8").catch(() => null)) === writtenDigest(text)) return JSON.parse(text) as BuildMetadata;
    const { buildMetadataSchema } = await import("./metadata-schema.js");
    const parsed = buildMetadataSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Writes the merged metadata, then (with `record`) its digest. Its shape is the type's; tests check
 * what builds write against the published schema (metadata-schema.ts), so a build does not load it.
 */
export async function writeMetadata(path: string, next: BuildMetadata, previous: BuildMetadata | null, record?: string): Promise<BuildMetadata> {
  const merged = keepKnown(next, previous);
  const text = JSON.stringify(merged, null, 2) + "\n";
  await writeFileAtomic(path, text);
  if (record !== undefined) await writeFileAtomic(record, writtenDigest(text));
  return merged;
}
