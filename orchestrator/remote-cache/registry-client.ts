// A small client for the OCI distribution API over fetch(): manifests and blobs, with Basic and Bearer auth.
import { createWriteStream, openAsBlob } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { Readable } from "node:stream";
import { hashingStream } from "../hash/copy-hashing.js";
import { sha256 } from "../hash/sha256.js";
import type { Credentials } from "./credentials.js";
import { findCredentials } from "./credentials.js";
import { RegistryError, networkReason, registryMessage } from "./registry-error.js";
import type { RepositoryRef } from "../util/repository-reference.js";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** What a lookup accepts: our artifacts (OCI) and the images an engine pushes (Docker schema 2, OCI). */
const ANY_MANIFEST = [OCI_MANIFEST, "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"].join(", ");

export interface ClientOptions {
  /** Asked once, on the registry's first challenge. */
  readonly credentials: () => Promise<Credentials | null>;
  /** Ask for push rights too (Bearer scope "pull,push"). */
  readonly push?: boolean;
  readonly signal?: AbortSignal;
  /** Per request without a body to move (default 30 s); blob transfers get ten minutes. */
  readonly timeoutMs?: number;
}

interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: () => Promise<Blob | Uint8Array>;
  /** Statuses handed back instead of thrown (404 for lookups). */
  readonly allow?: readonly number[];
  readonly long?: boolean;
  /** For messages: what we were doing ("reading the manifest linux-1a2b…"). */
  readonly what: string;
}

export class RegistryClient {
  private authorization: string | null = null;
  private credentials: Credentials | null | undefined;

  constructor(
    readonly ref: RepositoryRef,
    private readonly options: ClientOptions,
  ) {}

  /** GET a manifest by tag or digest; null if the registry has none under that name. */
  async manifest(reference: string): Promise<{ digest: string; bytes: Buffer } | null> {
    const response = await this.request("GET", `/manifests/${reference}`, {
      headers: { accept: OCI_MANIFEST },
      allow: [404],
      what: `reading the manifest ${reference}`,
    });
    if (response.status === 404) return null;
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = `sha256:${sha256(bytes)}`;
    const claimed = response.headers.get("docker-content-digest");
    if (claimed !== null && claimed.startsWith("sha256:") && claimed !== digest && !reference.startsWith("sha256:")) {
      throw new RegistryError("digest", this.ref.display, `the manifest ${reference} does not match the digest the registry gave (${claimed}, got ${digest})`);
    }
    if (reference.startsWith("sha256:") && reference !== digest) {
      throw new RegistryError("digest", this.ref.display, `the manifest ${reference} does not match its digest (got ${digest})`);
    }
    return { digest, bytes };
  }

  async hasManifest(reference: string): Promise<boolean> {
    const response = await this.request("HEAD", `/manifests/${reference}`, { headers: { accept: ANY_MANIFEST }, allow: [404], what: `looking up ${reference}` });
    return response.status !== 404;
  }

  async putManifest(tag: string, bytes: Uint8Array, mediaType = OCI_MANIFEST): Promise<void> {
    const response = await this.request("PUT", `/manifests/${tag}`, {
      headers: { "content-type": mediaType },
      body: async () => bytes,
      what: `writing the manifest ${tag}`,
    });
    await response.body?.cancel();
  }

  async hasBlob(digest: string): Promise<boolean> {
    const response = await this.request("HEAD", `/blobs/${digest}`, { allow: [404], what: `looking up blob ${digest}` });
    return response.status !== 404;
  }

  /** Monolithic upload (POST, then PUT with the digest), from a file or from bytes. */
  async uploadBlob(digest: string, content: { path: string } | { bytes: Uint8Array }): Promise<void> {
    const started = await this.request("POST", "/blobs/uploads/", { what: `starting the upload of ${digest}` });
    await started.body?.cancel();
    const location = started.headers.get("location");
    if (location === null) throw new RegistryError("refused", this.ref.display, `starting an upload: the answer had no Location header`);
    const url = new URL(location, this.ref.baseUrl);
    url.searchParams.set("digest", digest);
    const body = "path" in content ? async () => openAsBlob(content.path) : async () => content.bytes;
    const done = await this.request("PUT", url.toString(), {
      headers: { "content-type": "application/octet-stream" },
      body,
      long: true,
      what: `uploading blob ${digest}`,
    });
    await done.body?.cancel();
  }

  /** Streams a blob into `path`, checking its size and sha256 on the way; a mismatch is a digest error. */
  async downloadBlob(digest: string, size: number, path: string, name: string): Promise<void> {
    const response = await this.request("GET", `/blobs/${digest}`, { long: true, what: `reading ${name} (${digest})` });
    if (response.body === null) throw new RegistryError("refused", this.ref.display, `reading ${name}: empty answer`);
    let measured = { sha256: "", bytes: 0 };
    const measure = hashingStream((digest) => {
      measured = digest;
    });
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), measure, createWriteStream(path, { mode: 0o644 }));
    const got = `sha256:${measured.sha256}`;
    const received = measured.bytes;
    if (got !== digest || received !== size) {
      throw new RegistryError("digest", this.ref.display, `${name} does not match its digest: expected ${digest} (${size} bytes), got ${got} (${received} bytes)`, {
        details: ["the cached artifact is damaged or was tampered with; it is not used"],
      });
    }
  }

  /** Can we read? Lists tags (a new repository's 404 counts as readable). Throws RegistryError if not. */
  async checkRead(): Promise<void> {
    const response = await this.request("GET", `/tags/list`, { allow: [404], what: "listing tags" });
    await response.body?.cancel();
  }

  /** Can we write? Opens an upload session and cancels it; nothing is stored. Throws RegistryError if not. */
  async checkWrite(): Promise<void> {
    const started = await this.request("POST", "/blobs/uploads/", { what: "starting an upload" });
    await started.body?.cancel();
    const location = started.headers.get("location");
    if (location !== null) {
      const cancelled = await this.request("DELETE", new URL(location, this.ref.baseUrl).toString(), { allow: [404, 405], what: "cancelling the upload" }).catch(() => null);
      await cancelled?.body?.cancel();
    }
  }

  /** Who we are to the registry, once it asked: "anonymous" or "user 'x' from ~/.docker/config.json". */
  identity(): string {
    const creds = this.credentials ?? null;
    return creds === null ? "anonymous" : `user '${creds.username}' from ${creds.source}`;
  }

  private url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.ref.baseUrl}/v2/${this.ref.repository}${path}`;
  }

  private async request(method: string, path: string, options: RequestOptions): Promise<Response> {
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.send(method, this.url(path), options);
      if (response.status === 401 && attempt === 0) {
        await response.body?.cancel();
        await this.authenticate(response.headers.get("www-authenticate"), options.what);
        continue;
      }
      if (response.ok || options.allow?.includes(response.status)) return response;
      throw await this.failure(response, options.what);
    }
  }

  private async send(method: string, url: string, options: RequestOptions, authorization = this.authorization): Promise<Response> {
    const timeout = AbortSignal.timeout(options.long ? 600_000 : (this.options.timeoutMs ?? 30_000));
    const signal = this.options.signal === undefined ? timeout : AbortSignal.any([this.options.signal, timeout]);
    const body = options.body === undefined ? undefined : await options.body();
    try {
      return await fetch(url, {
        method,
        headers: { ...options.headers, ...(authorization === null ? {} : { authorization }) },
        ...(body === undefined ? {} : { body, duplex: "half" }),
        signal,
        redirect: "follow",
      } as RequestInit);
    } catch (error) {
      if (this.options.signal?.aborted) throw this.options.signal.reason;
      throw new RegistryError("network", this.ref.display, `${options.what}: cannot reach ${this.ref.baseUrl}: ${networkReason(error)}`, { cause: error });
    }
  }

  private async failure(response: Response, what: string): Promise<RegistryError> {
    const said = await registryMessage(response);
    const suffix = said === "" ? "" : ` (${said})`;
    if (response.status === 401) {
      const creds = this.credentials ?? null;
      return creds === null
        ? new RegistryError("auth", this.ref.display, `${what}: the registry wants credentials and none were found for ${this.ref.credentialKey}${suffix}`, {
            details: [`log in with: docker login ${this.ref.credentialKey}   (or set LEVITATE_REGISTRY_AUTH=user:password, or DOCKER_AUTH_CONFIG)`],
          })
        : new RegistryError("auth", this.ref.display, `${what}: the registry refused the credentials of user '${creds.username}' from ${creds.source}${suffix}`);
    }
    if (response.status === 403) return new RegistryError("auth", this.ref.display, `${what}: access denied${suffix}`);
    if (response.status === 404) return new RegistryError("not-found", this.ref.display, `${what}: not found${suffix}`);
    if (response.status === 400 && /DIGEST_INVALID/.test(said)) return new RegistryError("digest", this.ref.display, `${what}: the registry says the content does not match its digest${suffix}`);
    return new RegistryError("refused", this.ref.display, `${what}: HTTP ${response.status}${suffix}`);
  }

  /** Answers a 401 challenge: Basic sends the credentials; Bearer trades them for a token at the realm. */
  private async authenticate(challenge: string | null, what: string): Promise<void> {
    this.credentials ??= await this.options.credentials();
    const creds = this.credentials;
    const basic = creds === null ? null : `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    const scheme = challenge?.split(" ", 1)[0]?.toLowerCase();
    if (scheme === "bearer") {
      const params = parseChallenge(challenge!.slice(challenge!.indexOf(" ") + 1));
      const realm = params.realm;
      if (realm === undefined) throw new RegistryError("auth", this.ref.display, `${what}: a Bearer challenge without a realm`);
      const url = new URL(realm);
      if (params.service !== undefined) url.searchParams.set("service", params.service);
      url.searchParams.set("scope", `repository:${this.ref.repository}:${this.options.push ? "pull,push" : "pull"}`);
      const response = await this.send("GET", url.toString(), { what: `asking ${url.host} for a token` }, basic);
      if (!response.ok) throw await this.failure(response, `${what}: asking ${url.host} for a token`);
      const answer = (await response.json()) as { token?: string; access_token?: string };
      const token = answer.token ?? answer.access_token;
      if (!token) throw new RegistryError("auth", this.ref.display, `${what}: the token service ${url.host} gave no token`);
      this.authorization = `Bearer ${token}`;
      return;
    }
    if (basic === null) throw await this.failure(new Response(null, { status: 401 }), what);
    this.authorization = basic;
  }
}

/** `realm="https://auth.example",service="registry",scope="..."` -> a record. */
export function parseChallenge(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of text.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params[match[1]!.toLowerCase()] = match[2]!;
  return params;
}

/** A client whose credentials come from where users keep them (see credentials.ts), asked for on the first challenge. */
export function clientFor(ref: RepositoryRef, env: NodeJS.ProcessEnv, options: { push?: boolean; signal?: AbortSignal } = {}): RegistryClient {
  return new RegistryClient(ref, {
    credentials: () => findCredentials(ref.credentialKey, { env }),
    ...(options.push ? { push: true } : {}),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}
