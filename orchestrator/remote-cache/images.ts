// The toolchain and QEMU runner images in the cache repository, moved by the engine (they live there, not on the host).
import type { ResolvedConfig } from "../config/types.js";
import type { Engine, RegistryAuth } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { findCredentials } from "./credentials.js";
import { clientFor } from "./registry-client.js";
import type { RegistryClient } from "./registry-client.js";
import { cacheSettings } from "./settings.js";
import type { RepositoryRef } from "../util/repository-reference.js";

/** What of an image recipe the cache needs: its local tag and the hash of what goes into it. */
export interface CachedImage {
  readonly kind: "toolchain" | "runner";
  /** Local tag, "levitate/toolchain:debian-1a2b3c4d5e6f". */
  readonly tag: string;
  readonly key: string;
  readonly buildArgs: Readonly<Record<string, string>>;
}

/** "toolchain-debian-<64 hex>": kind, flavour and the whole key (at most 83 characters). */
export function imageTag(image: CachedImage): string {
  return `${image.kind}-${image.buildArgs.FLAVOUR ?? "any"}-${image.key}`;
}

/** The name the engine pulls and pushes: "127.0.0.1:5000/levitate/cache:toolchain-debian-…". */
export function remoteImageRef(repo: RepositoryRef, image: CachedImage): string {
  return `${repo.display}:${imageTag(image)}`;
}

async function engineAuth(repo: RepositoryRef, env: NodeJS.ProcessEnv): Promise<RegistryAuth | undefined> {
  const credentials = await findCredentials(repo.credentialKey, { env });
  return credentials === null ? undefined : { username: credentials.username, password: credentials.password, serveraddress: repo.credentialKey };
}

export interface ImageTransferOptions {
  readonly engine: Engine;
  readonly client: RegistryClient;
  readonly env: NodeJS.ProcessEnv;
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Pulls the image by its cache tag and gives it its local tag; false when the registry does not have it. */
export async function pullImage(image: CachedImage, options: ImageTransferOptions): Promise<boolean> {
  const { engine, client } = options;
  if (!(await client.hasManifest(imageTag(image)))) return false;
  const remote = remoteImageRef(client.ref, image);
  const auth = await engineAuth(client.ref, options.env);
  await engine.images.pull(remote, { ...(auth === undefined ? {} : { auth }), ...transfer(options) });
  await engine.images.tag(remote, image.tag);
  await engine.images.remove(remote).catch(() => undefined);
  return true;
}

/** Pushes the local image unless the registry has its tag; "absent" when the engine does not have it either. */
export async function pushImage(image: CachedImage, options: ImageTransferOptions): Promise<"pushed" | "present" | "absent"> {
  const { engine, client } = options;
  if (await client.hasManifest(imageTag(image))) return "present";
  if ((await engine.images.id(image.tag)) === null) return "absent";
  const remote = remoteImageRef(client.ref, image);
  const auth = await engineAuth(client.ref, options.env);
  await engine.images.tag(image.tag, remote);
  try {
    await engine.images.push(remote, { ...(auth === undefined ? {} : { auth }), ...transfer(options) });
  } finally {
    // Untag only: the image stays under its local name.
    await engine.images.remove(remote).catch(() => undefined);
  }
  return "pushed";
}

function transfer(options: ImageTransferOptions) {
  return { ...(options.onLog === undefined ? {} : { onLog: options.onLog }), ...(options.signal === undefined ? {} : { signal: options.signal }) };
}

/**
 * For commands outside `build` (run, test, disk): when the engine lacks a tool image and a cache is
 * configured to read (LEVITATE_CACHE_FROM, cache.registry), pull it instead of building it.
 * A miss or a failure says so through `log` and returns false: the caller builds.
 */
export async function pullToolImageIfCached(
  image: CachedImage,
  options: { engine: Engine; env: NodeJS.ProcessEnv; config: Pick<ResolvedConfig, "cache">; log: (line: string) => void; signal?: AbortSignal },
): Promise<boolean> {
  const from = cacheSettings({}, options.env, options.config).from;
  if (from === null || (await options.engine.images.id(image.tag)) !== null) return false;
  const client = clientFor(from, options.env, options.signal === undefined ? {} : { signal: options.signal });
  try {
    const pulled = await pullImage(image, { engine: options.engine, client, env: options.env, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    if (pulled) options.log(`${image.kind} image ${image.tag} pulled from cache ${from.display}`);
    return pulled;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    options.log(`warning: cache: ${image.kind} image ${image.tag}: ${error.message}; building it instead`);
    return false;
  }
}
