// How a stage artifact looks in a registry: an OCI manifest whose layers are its files (pure; no I/O).
import { RegistryError } from "./registry-error.js";
import { OCI_MANIFEST } from "./registry-client.js";

export const ARTIFACT_TYPE = "application/vnd.levitate-docker.stage.v1";
/** The config blob is the artifact's meta.json (stage, key, inputs). */
export const CONFIG_TYPE = "application/vnd.levitate-docker.stage.config.v1+json";
export const FILE_TYPE = "application/vnd.levitate-docker.file.v1";

const TITLE = "org.opencontainers.image.title";
const PREFIX = "org.levitate-docker";

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ArtifactFile {
  /** Plain file name in the artifact directory ("bzImage"). */
  readonly name: string;
  readonly digest: string;
  readonly size: number;
  /** Permission bits (0o755 for busybox). */
  readonly mode: number;
}

export interface ArtifactDescription {
  readonly stage: string;
  readonly key: string;
  readonly files: readonly ArtifactFile[];
  /** The meta.json blob. */
  readonly config: { readonly digest: string; readonly size: number };
  /** The toolchain image tag the stage was built with. */
  readonly toolchain: string;
  /** levitate-docker's version. */
  readonly toolVersion: string;
}

/**
 * The tag of a stage artifact: "<stage>-<key>" (the whole 64-hex key: 74 characters at most, under
 * the 128 a tag may have). A tag, not a referrer or an index: distribution 2.8 and every hosted
 * registry look a tag up with one HEAD request, and the key already names the content.
 */
export function stageTag(stage: string, key: string): string {
  return `${stage}-${key}`;
}

export function artifactManifest(description: ArtifactDescription): Buffer {
  const files = [...description.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: ARTIFACT_TYPE,
    config: { mediaType: CONFIG_TYPE, digest: description.config.digest, size: description.config.size },
    layers: files.map((file) => ({
      mediaType: FILE_TYPE,
      digest: file.digest,
      size: file.size,
      annotations: { [TITLE]: file.name, [`${PREFIX}.mode`]: file.mode.toString(8).padStart(4, "0") },
    })),
    annotations: {
      [`${PREFIX}.stage`]: description.stage,
      [`${PREFIX}.key`]: description.key,
      [`${PREFIX}.outputs`]: JSON.stringify(Object.fromEntries(files.map((f) => [f.name, f.digest]))),
      [`${PREFIX}.toolchain`]: description.toolchain,
      [`${PREFIX}.version`]: description.toolVersion,
    },
  };
  return Buffer.from(JSON.stringify(manifest, null, 2));
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const FILE_NAME = /^(?!\.\.?$)(?!meta\.json$)[^/\\\0]+$/;

/**
 * Reads a pulled manifest and checks it is the artifact asked for: the stage and key annotations,
 * every layer a plain file name whose digest is the one the outputs annotation lists, no file twice.
 */
export function readArtifactManifest(bytes: Buffer, expected: { stage: string; key: string }, where: string): { files: ArtifactFile[]; config: Descriptor } {
  const bad = (why: string): never => {
    throw new RegistryError("digest", where, `the manifest ${stageTag(expected.stage, expected.key)} is not a usable ${expected.stage} artifact: ${why}`);
  };
  let manifest: { mediaType?: string; artifactType?: string; config?: Descriptor; layers?: Descriptor[]; annotations?: Record<string, string> };
  try {
    manifest = JSON.parse(bytes.toString("utf8")) as typeof manifest;
  } catch {
    return bad("not JSON");
  }
  if (manifest.artifactType !== ARTIFACT_TYPE) bad(`artifactType is ${JSON.stringify(manifest.artifactType)}, expected ${ARTIFACT_TYPE}`);
  const annotations = manifest.annotations ?? {};
  if (annotations[`${PREFIX}.stage`] !== expected.stage) bad(`it is for stage ${JSON.stringify(annotations[`${PREFIX}.stage`])}`);
  if (annotations[`${PREFIX}.key`] !== expected.key) bad(`it is for key ${JSON.stringify(annotations[`${PREFIX}.key`])}`);
  let outputs: Record<string, string>;
  try {
    outputs = JSON.parse(annotations[`${PREFIX}.outputs`] ?? "") as Record<string, string>;
  } catch {
    return bad("no output digests");
  }
  const config = manifest.config;
  if (config === undefined || config.mediaType !== CONFIG_TYPE || !DIGEST.test(config.digest)) return bad("no meta.json config blob");
  const files: ArtifactFile[] = [];
  for (const layer of manifest.layers ?? []) {
    const name = layer.annotations?.[TITLE] ?? "";
    if (!FILE_NAME.test(name)) bad(`a layer has no plain file name (${JSON.stringify(name)})`);
    if (files.some((f) => f.name === name)) bad(`${name} appears twice`);
    if (!DIGEST.test(layer.digest) || !Number.isSafeInteger(layer.size) || layer.size < 0) bad(`${name} has no valid digest and size`);
    if (outputs[name] !== layer.digest) bad(`${name}: the layer digest ${layer.digest} is not the output digest ${outputs[name] ?? "(none)"}`);
    const mode = Number.parseInt(layer.annotations?.[`${PREFIX}.mode`] ?? "644", 8);
    files.push({ name, digest: layer.digest, size: layer.size, mode: Number.isInteger(mode) ? mode & 0o777 : 0o644 });
  }
  if (files.length !== Object.keys(outputs).length) bad("its layers and its output digests list different files");
  if (files.length === 0) bad("it has no files");
  return { files, config };
}
