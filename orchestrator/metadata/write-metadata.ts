// Writes out/metadata.json atomically, checked against its schema, never with less than the previous one knew.
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../util/atomic.js";
import { keepKnown } from "./assemble-metadata.js";
import { buildMetadataSchema, metadataProblems } from "./metadata-schema.js";
import type { BuildMetadata } from "./metadata-schema.js";

/** The previous metadata.json if it is one of ours in the current shape; anything else counts as none. */
export async function readPreviousMetadata(path: string): Promise<BuildMetadata | null> {
  try {
    const parsed = buildMetadataSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function writeMetadata(path: string, next: BuildMetadata, previous: BuildMetadata | null): Promise<BuildMetadata> {
  const merged = keepKnown(next, previous);
  const problems = metadataProblems(merged);
  if (problems.length > 0) throw new Error(`metadata.json would not match its schema:\n${problems.join("\n")}`);
  await writeFileAtomic(path, JSON.stringify(merged, null, 2) + "\n");
  return merged;
}
