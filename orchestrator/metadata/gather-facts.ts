// Reads the facts metadata.json states from the artifact cache and out/: durations, digests, the kernel's release and config.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "../hash/sha256.js";
import type { BuildMetadata, FileDigest, StageRecord } from "./metadata-schema.js";

/** What the executor reports for a stage (a subset, so this module does not depend on the executor's shape). */
export interface StageFact {
  readonly name: string;
  readonly action: "run" | "ran" | "cached" | "pulled";
  readonly key: string;
  /** The artifact directory (holds meta.json and the outputs). */
  readonly dir: string;
  /** This build's duration; for a stage that did not run here, the artifact's own record is used. */
  readonly durationMs: number;
}

export async function fileDigest(path: string): Promise<FileDigest> {
  const [sha256, info] = await Promise.all([sha256File(path), stat(path)]);
  return { sha256, bytes: info.size };
}

/** Every regular file of an artifact directory (recursively, "/"-joined names), except meta.json. */
export async function artifactDigests(dir: string): Promise<Record<string, FileDigest>> {
  const out: Record<string, FileDigest> = {};
  const walk = async (sub: string): Promise<void> => {
    for (const entry of (await readdir(join(dir, sub), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const name = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile() && name !== "meta.json") out[name] = await fileDigest(join(dir, name));
    }
  };
  await walk("");
  return out;
}

interface ArtifactRecord {
  durationMs?: unknown;
  createdAt?: unknown;
  /** The digests the artifact store recorded when the stage finished (the same files artifactDigests reads). */
  outputs?: Record<string, FileDigest>;
}

/**
 * One record per stage. An artifact is immutable under its key, so digests a previous
 * metadata.json (or the artifact's own meta.json, written when it finished) recorded are reused
 * instead of hashing again.
 */
export async function stageRecords(stages: readonly StageFact[], previous: BuildMetadata | null): Promise<StageRecord[]> {
  const records: StageRecord[] = [];
  for (const stage of stages) {
    const meta = (await readFile(join(stage.dir, "meta.json"), "utf8").then((t) => JSON.parse(t) as ArtifactRecord, () => ({}) as ArtifactRecord));
    const ran = stage.action === "run" || stage.action === "ran";
    const recorded = typeof meta.durationMs === "number" ? Math.round(meta.durationMs) : null;
    const known = previous?.stages.find((s) => s.name === stage.name && s.key === stage.key);
    records.push({
      name: stage.name,
      key: stage.key,
      action: ran ? "ran" : stage.action === "pulled" ? "pulled" : "cached",
      durationMs: ran ? Math.round(stage.durationMs) : (recorded ?? known?.durationMs ?? 0),
      ranAt: typeof meta.createdAt === "string" ? meta.createdAt : (known?.ranAt ?? null),
      outputs: !ran && known !== undefined ? known.outputs : typeof meta.outputs === "object" && meta.outputs !== null ? meta.outputs : await artifactDigests(stage.dir),
    });
  }
  return records;
}

/** The kernel's release string and .config digest, from the linux artifact (kernel.release, kernel.config). */
export async function kernelFacts(linuxDir: string | null): Promise<BuildMetadata["kernel"]> {
  if (linuxDir === null) return null;
  try {
    const release = (await readFile(join(linuxDir, "kernel.release"), "utf8")).trim();
    return { release, configSha256: (await fileDigest(join(linuxDir, "kernel.config"))).sha256 };
  } catch {
    return null;
  }
}
