// Gets a pinned source tarball into the content-addressed download cache, from the cache
// itself, a local mirror or a URL, and never keeps bytes whose sha256 is not the pinned one.
import { mkdir, open, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { SourcePin } from "../config/types.js";
import { UserError } from "../errors/errors.js";
import { isErrno, removeStalePartials, replaceAtomically } from "../util/atomic.js";
import { describeFetchError } from "./fetch-error.js";
import { copyHashing } from "../hash/copy-hashing.js";
import { sha256File } from "../hash/sha256.js";
import { mirrorSiteUrl } from "./mirror-site.js";
import { checkPinShape, sha256MismatchError, sourceNotFoundError } from "./source-errors.js";
import type { SourceAttempt } from "./source-errors.js";

export interface SourceProgressEvent {
  readonly file: string;
  /** verify: re-hashing a cached file; copy: from a mirror; download: from a URL. */
  readonly phase: "verify" | "copy" | "download";
  readonly bytes: number;
  readonly total: number | null;
  /** The path or URL being read. */
  readonly from: string;
}

export interface EnsureSourceOptions {
  readonly cacheRoot: string;
  /** Mirror directories searched in order, then `<cacheRoot>/mirror`. */
  readonly mirrors: readonly string[];
  /** Mirror sites (HTTP(S) base URLs, files by name), tried after the mirror directories and before the pin's URLs. */
  readonly sites?: readonly string[];
  readonly fetch?: typeof globalThis.fetch;
  /** Aborting deletes any partial file and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: SourceProgressEvent) => void;
  /** Re-hash a cached file instead of trusting it; a cached file that fails is deleted and fetched again. */
  readonly verifyCache?: boolean;
}

/** `<site>/<file>` for each mirror site, then the pin's own URLs: the downloads tried, in order. */
export function downloadCandidates(pin: SourcePin, sites: readonly string[]): { url: string; site: string | null }[] {
  return [...sites.map((site) => ({ url: mirrorSiteUrl(site, pin.file), site })), ...pin.urls.map((url) => ({ url, site: null }))];
}

/** onProgress fires at the start, every this many bytes, and at the end (not once per chunk). */
const PROGRESS_STEP = 1024 * 1024;
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** `<cacheRoot>/downloads/<sha256>/<file>`: where a verified source lives. */
export function downloadPath(cacheRoot: string, pin: SourcePin): string {
  return join(resolve(cacheRoot), "downloads", pin.sha256, pin.file);
}

/**
 * The mirror files looked at, in order: for each mirror (the given ones, then
 * `<cacheRoot>/mirror`), `<mirror>/<file>` and then `<mirror>/<sha256>/<file>` (the
 * layout of the download cache and of /sources, so either can be used as a mirror).
 */
export function mirrorCandidates(pin: SourcePin, mirrors: readonly string[], cacheRoot: string): string[] {
  const dirs = [...new Set([...mirrors.map((m) => resolve(m)), join(resolve(cacheRoot), "mirror")])];
  return dirs.flatMap((dir) => [join(dir, pin.file), join(dir, pin.sha256, pin.file)]);
}

/**
 * Returns the absolute path of the verified file at `<cacheRoot>/downloads/<sha256>/<file>`.
 *
 * Order: the download cache (trusted: only verified files are ever renamed into it, after
 * being flushed to disk; an empty file there is taken as damage and replaced), then the
 * mirror candidates, then `<site>/<file>` on each mirror site, then each URL of the pin. Mirror files and downloads are streamed into a partial
 * file in the cache directory while hashed, and renamed into place only if the sha256
 * matches. A mismatch stops the search with a UserError (a wrong file in a mirror or a
 * server sending other bytes than the pin is something the user must fix, not something
 * to hide by quietly using the next place). A missing mirror file or a failing URL just
 * moves on; if nothing delivers the file, the UserError lists every place tried.
 * Partial files of processes that died are removed on the way in.
 */
export async function ensureSource(pin: SourcePin, options: EnsureSourceOptions): Promise<string> {
  checkPinShape(pin);
  const { signal } = options;
  const target = downloadPath(options.cacheRoot, pin);
  await prepareCacheDir(dirname(target));
  if (await usableCachedFile(target, pin, options)) return target;

  const attempts: SourceAttempt[] = [];
  const candidates = mirrorCandidates(pin, options.mirrors, options.cacheRoot);
  for (const path of candidates) {
    signal?.throwIfAborted();
    const copied = await copyFromMirror(path, target, pin, options);
    if (copied.kind === "stored") return target;
    if (copied.kind === "mismatch") {
      throw sha256MismatchError(pin, { kind: "mirror", where: path }, copied.actual, attempts);
    }
    attempts.push({ where: path, reason: copied.reason });
  }

  for (const { url, site } of downloadCandidates(pin, options.sites ?? [])) {
    signal?.throwIfAborted();
    const downloaded = await download(url, target, pin, options);
    if (downloaded.kind === "stored") return target;
    if (downloaded.kind === "mismatch") {
      throw sha256MismatchError(pin, { kind: site === null ? "url" : "site", where: url }, downloaded.actual, attempts);
    }
    attempts.push({ where: url, reason: downloaded.reason });
  }
  throw sourceNotFoundError(pin, attempts, candidates[0] ?? target);
}

async function prepareCacheDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await removeStalePartials(dir);
  } catch (error) {
    const got = messageOf(error);
    throw new UserError(`cannot use the download cache: expected a writable directory at ${dir}, got ${got}`, {
      cause: error,
      details: ["set LEVITATE_CACHE to a writable directory"],
    });
  }
}

type Outcome = { kind: "stored" } | { kind: "mismatch"; actual: string } | { kind: "missed"; reason: string };

async function usableCachedFile(target: string, pin: SourcePin, options: EnsureSourceOptions): Promise<boolean> {
  let size: number;
  try {
    const info = await stat(target);
    if (!info.isFile()) {
      await rm(target, { recursive: true, force: true });
      return false;
    }
    size = info.size;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return false;
    throw error;
  }
  if (size === 0 && pin.sha256 !== EMPTY_SHA256) {
    await rm(target, { force: true });
    return false;
  }
  if (options.verifyCache !== true) return true;
  let reported = 0;
  const report = (bytes: number): void => {
    reported = bytes;
    options.onProgress?.({ file: pin.file, phase: "verify", bytes, total: size, from: target });
  };
  report(0);
  const onBytes = (bytes: number): void => {
    if (bytes - reported >= PROGRESS_STEP || bytes === size) report(bytes);
  };
  const actual = await sha256File(target, { signal: options.signal, onBytes });
  if (actual === pin.sha256) return true;
  await rm(target, { force: true });
  return false;
}

async function copyFromMirror(
  path: string,
  target: string,
  pin: SourcePin,
  options: EnsureSourceOptions,
): Promise<Outcome> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR")) return { kind: "missed", reason: "not found" };
    return { kind: "missed", reason: `cannot read: ${messageOf(error)}` };
  }
  let stream: Readable | undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { kind: "missed", reason: "not a regular file" };
    stream = handle.createReadStream();
    return await store(stream, target, pin, options, { phase: "copy", from: path, total: info.size });
  } catch (error) {
    options.signal?.throwIfAborted();
    return { kind: "missed", reason: `copy failed: ${messageOf(error)}` };
  } finally {
    // The stream owns the handle once it exists; destroying it (a no-op when done) closes it.
    if (stream === undefined) await handle.close();
    else stream.destroy();
  }
}

async function download(url: string, target: string, pin: SourcePin, options: EnsureSourceOptions): Promise<Outcome> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    // identity: a server that labels a .tar.gz "Content-Encoding: gzip" must not get it unpacked.
    response = await fetchImpl(url, {
      redirect: "follow",
      headers: { "accept-encoding": "identity" },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    options.signal?.throwIfAborted();
    return { kind: "missed", reason: describeFetchError(error) };
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    const text = `${response.status} ${response.statusText}`.trim();
    return { kind: "missed", reason: `HTTP ${text}` };
  }
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  const total = Number.isSafeInteger(length) && length >= 0 ? length : null;
  let received = 0;
  try {
    const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
    return await store(body, target, pin, options, {
      phase: "download",
      from: url,
      total,
      onBytes: (bytes) => (received = bytes),
    });
  } catch (error) {
    options.signal?.throwIfAborted();
    return { kind: "missed", reason: `download failed after ${received} bytes: ${describeFetchError(error)}` };
  }
}

/** Streams `source` into a partial file next to `target`; renames it into place only on a sha256 match. */
async function store(
  source: Readable,
  target: string,
  pin: SourcePin,
  options: EnsureSourceOptions,
  what: { phase: "copy" | "download"; from: string; total: number | null; onBytes?: (bytes: number) => void },
): Promise<Outcome> {
  let reported = -1;
  const report = (bytes: number): void => {
    reported = bytes;
    options.onProgress?.({ file: pin.file, phase: what.phase, bytes, total: what.total, from: what.from });
  };
  let actual = "";
  report(0);
  const stored = await replaceAtomically(target, async (partial) => {
    const copied = await copyHashing(source, partial, {
      signal: options.signal,
      onBytes: (bytes) => {
        what.onBytes?.(bytes);
        if (bytes - reported >= PROGRESS_STEP) report(bytes);
      },
    });
    if (copied.bytes !== reported) report(copied.bytes);
    actual = copied.sha256;
    return actual === pin.sha256;
  });
  return stored ? { kind: "stored" } : { kind: "mismatch", actual };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
