// Stage artifacts in a registry: pull one into the local store (verified, atomic), push one that the registry lacks.
import { chmod, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256, sha256File } from "../hash/sha256.js";
import { artifactManifest, readArtifactManifest, stageTag } from "./artifact-manifest.js";
import type { ArtifactFile } from "./artifact-manifest.js";
import type { RegistryClient } from "./registry-client.js";

/** What a pull needs to know of a planned stage. */
export interface StageToPull {
  readonly name: string;
  readonly key: string;
  readonly inputs: Readonly<Record<string, string>>;
}

/** The local artifact store, as far as a pull uses it: fill a directory, then commit it whole. */
export interface ArtifactCommitter {
  commit(stage: string, key: string, inputs: Readonly<Record<string, string>>, fill: (dir: string) => Promise<void>, startedAt: number): Promise<string>;
}

export interface PulledArtifact {
  readonly dir: string;
  readonly bytes: number;
  readonly durationMs: number;
}

/** Looks the stage's key up; on a hit downloads every file, checks each digest and commits the directory. Null on a miss. */
export async function pullStage(client: RegistryClient, stage: StageToPull, store: ArtifactCommitter): Promise<PulledArtifact | null> {
  const started = Date.now();
  const found = await client.manifest(stageTag(stage.name, stage.key));
  if (found === null) return null;
  const { files } = readArtifactManifest(found.bytes, { stage: stage.name, key: stage.key }, client.ref.display);
  const dir = await store.commit(
    stage.name,
    stage.key,
    stage.inputs,
    async (into) => {
      for (const file of files) {
        const path = join(into, file.name);
        await client.downloadBlob(file.digest, file.size, path, `${stage.name}/${file.name}`);
        await chmod(path, file.mode);
      }
    },
    started,
  );
  return { dir, bytes: files.reduce((sum, f) => sum + f.size, 0), durationMs: Date.now() - started };
}

export interface PushContext {
  readonly toolchain: string;
  readonly toolVersion: string;
}

/** Pushes an artifact directory unless the registry has its tag; blobs it has already are not sent again. */
export async function pushStage(
  client: RegistryClient,
  artifact: { stage: string; key: string; dir: string },
  context: PushContext,
): Promise<{ pushed: boolean; bytes: number }> {
  const tag = stageTag(artifact.stage, artifact.key);
  if (await client.hasManifest(tag)) return { pushed: false, bytes: 0 };
  const files = await describeFiles(artifact.dir);
  const meta = await readFile(join(artifact.dir, "meta.json"));
  const config = { digest: sha256Digest(meta), size: meta.length };
  let bytes = 0;
  for (const file of files) {
    if (await client.hasBlob(file.digest)) continue;
    await client.uploadBlob(file.digest, { path: join(artifact.dir, file.name) });
    bytes += file.size;
  }
  if (!(await client.hasBlob(config.digest))) await client.uploadBlob(config.digest, { bytes: meta });
  const manifest = artifactManifest({ stage: artifact.stage, key: artifact.key, files, config, ...context });
  await client.putManifest(tag, manifest);
  return { pushed: true, bytes };
}

/** Every regular file of an artifact directory but meta.json, with digest, size and mode. */
async function describeFiles(dir: string): Promise<ArtifactFile[]> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && e.name !== "meta.json").map((e) => e.name).sort();
  const files: ArtifactFile[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path);
    files.push({ name, digest: await fileDigest(path), size: info.size, mode: info.mode & 0o777 });
  }
  return files;
}

function sha256Digest(data: Uint8Array): string {
  return `sha256:${sha256(data)}`;
}

async function fileDigest(path: string): Promise<string> {
  return `sha256:${await sha256File(path)}`;
}
