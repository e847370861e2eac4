// ensureSource against real files and a real local HTTP server: what is kept, what is refused, what is said.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { SourcePin } from "../../../orchestrator/config/types.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { downloadPath, ensureSource } from "../../../orchestrator/sources/ensure-source.js";
import type { SourceProgressEvent } from "../../../orchestrator/sources/ensure-source.js";
import { closedPort, startLocalServer } from "./local-server.js";
import type { LocalServer } from "./local-server.js";

const good = randomBytes(300_000);
const bad = randomBytes(300_000);
const goodSha = createHash("sha256").update(good).digest("hex");
const badSha = createHash("sha256").update(bad).digest("hex");
const FILE = "busybox-1.35.0.tar.bz2";

function pin(urls: readonly string[] = []): SourcePin {
  return { name: "busybox", version: "1.35.0", file: FILE, sha256: goodSha, urls };
}

async function caught(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

// toEqual on 300 kB buffers is slow; compare digests instead.
const sha256Of = async (path: string): Promise<string> => createHash("sha256").update(await readFile(path)).digest("hex");
const fullText = (error: UserError): string => [error.message, ...error.details].join("\n");

let server: LocalServer;
let dir: string;
let cache: string;
let mirror: string;
let releaseStall: () => void = () => undefined;

beforeAll(async () => {
  server = await startLocalServer({
    "/good": (_req, res) => res.writeHead(200, { "content-length": good.length }).end(good),
    "/bad": (_req, res) => res.writeHead(200, { "content-length": bad.length }).end(bad),
    // Promises the whole file, sends half, then drops the connection.
    "/truncated": (_req, res) => {
      res.writeHead(200, { "content-length": good.length });
      res.write(good.subarray(0, 150_000), () => setTimeout(() => res.destroy(), 20));
    },
    // Sends the first half, then stalls until the test is done.
    "/stall": (_req, res) => {
      res.writeHead(200, { "content-length": good.length });
      res.write(good.subarray(0, 150_000));
      releaseStall = () => res.destroy();
    },
  });
});
afterAll(() => server.close());

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "levitate-sources-"));
  cache = join(dir, "cache");
  mirror = join(dir, "mirror");
  await mkdir(mirror);
});
afterEach(async () => {
  releaseStall();
  await rm(dir, { recursive: true, force: true });
});

const options = (): { cacheRoot: string; mirrors: string[] } => ({ cacheRoot: cache, mirrors: [mirror] });
const shaDir = (): string => join(cache, "downloads", goodSha);
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("condition not met within 5 s");
}
async function filesInShaDir(): Promise<string[]> {
  return readdir(shaDir()).catch(() => []);
}

describe("ensureSource", () => {
  it("copies a mirror file into the download cache without touching the network", async () => {
    await writeFile(join(mirror, FILE), good);
    const fetch = vi.fn<typeof globalThis.fetch>();
    const events: SourceProgressEvent[] = [];
    const path = await ensureSource(pin([server.url("/good")]), {
      cacheRoot: cache,
      mirrors: [mirror],
      fetch,
      onProgress: (e) => events.push(e),
    });
    expect(path).toBe(join(cache, "downloads", goodSha, FILE));
    expect(await sha256Of(path)).toBe(goodSha);
    expect(await filesInShaDir()).toEqual([FILE]);
    expect(fetch).not.toHaveBeenCalled();
    const from = join(mirror, FILE);
    expect(events.at(-1)).toEqual({ file: FILE, phase: "copy", bytes: good.length, total: good.length, from });
  });

  it("finds a mirror file in the <sha256>/<file> layout and in <cacheRoot>/mirror", async () => {
    await mkdir(join(cache, "mirror", goodSha), { recursive: true });
    await writeFile(join(cache, "mirror", goodSha, FILE), good);
    const path = await ensureSource(pin(), options());
    expect(await sha256Of(path)).toBe(goodSha);
  });

  it("takes a cached file without a network call or a mirror", async () => {
    await mkdir(shaDir(), { recursive: true });
    await writeFile(join(shaDir(), FILE), good);
    const fetch = vi.fn<typeof globalThis.fetch>();
    const path = await ensureSource(pin([server.url("/good")]), { cacheRoot: cache, mirrors: [], fetch });
    expect(path).toBe(downloadPath(cache, pin()));
    expect(fetch).not.toHaveBeenCalled();
  });

  it("re-fetches a damaged cached file when verifyCache is set, and replaces an empty one always", async () => {
    await mkdir(shaDir(), { recursive: true });
    await writeFile(join(mirror, FILE), good);
    await writeFile(join(shaDir(), FILE), bad);
    const events: SourceProgressEvent[] = [];
    const onProgress = (e: SourceProgressEvent): number => events.push(e);
    const path = await ensureSource(pin(), { cacheRoot: cache, mirrors: [mirror], verifyCache: true, onProgress });
    expect(await sha256Of(path)).toBe(goodSha);
    expect(events.some((e) => e.phase === "verify")).toBe(true);

    await writeFile(path, "");
    await ensureSource(pin(), options());
    expect(await sha256Of(path)).toBe(goodSha);
  });

  it("downloads from the first URL that works, streaming into the cache", async () => {
    const events: SourceProgressEvent[] = [];
    const port = await closedPort();
    const path = await ensureSource(pin([`http://127.0.0.1:${port}/x`, server.url("/missing"), server.url("/good")]), {
      cacheRoot: cache,
      mirrors: [mirror],
      onProgress: (e) => events.push(e),
    });
    expect(await sha256Of(path)).toBe(goodSha);
    expect(await filesInShaDir()).toEqual([FILE]);
    const last = events.at(-1);
    expect(last).toMatchObject({ phase: "download", bytes: good.length, total: good.length, from: server.url("/good") });
  });

  it("refuses a mirror file with the wrong sha256 and keeps nothing", async () => {
    await writeFile(join(mirror, FILE), bad);
    const fetch = vi.fn<typeof globalThis.fetch>();
    const error = await caught(ensureSource(pin([server.url("/good")]), { cacheRoot: cache, mirrors: [mirror], fetch }));
    expect(error.message).toBe(`${FILE} from ${join(mirror, FILE)}: sha256 mismatch: expected ${goodSha}, got ${badSha}`);
    expect(fetch).not.toHaveBeenCalled();
    expect(await filesInShaDir()).toEqual([]);
  });

  it("refuses a download with the wrong sha256, keeps nothing and names what was tried before", async () => {
    const before = server.requests.length;
    const error = await caught(
      ensureSource(pin([server.url("/missing"), server.url("/bad"), server.url("/good")]), options()),
    );
    expect(error.message).toBe(`${FILE} from ${server.url("/bad")}: sha256 mismatch: expected ${goodSha}, got ${badSha}`);
    expect(fullText(error)).toContain(`${server.url("/missing")}: HTTP 404 Not Found`);
    expect(await filesInShaDir()).toEqual([]);
    expect(server.requests.slice(before)).toEqual(["/missing", "/bad"]);
  });

  it("an aborted download leaves no file in downloads/<sha256>/", async () => {
    const controller = new AbortController();
    const attempt = ensureSource(pin([server.url("/stall")]), { cacheRoot: cache, mirrors: [mirror], signal: controller.signal });
    const outcome = attempt.then(
      () => "resolved",
      (e: unknown) => e,
    );
    // Abort only once the first half sits in a partial file, so there is something to clean up.
    await waitFor(async () => {
      const names = await filesInShaDir();
      const partial = names.find((n) => n.includes(".partial-"));
      return partial !== undefined && (await stat(join(shaDir(), partial))).size === 150_000;
    });
    controller.abort();
    expect(await outcome).toMatchObject({ name: "AbortError" });
    expect(await filesInShaDir()).toEqual([]);
  });

  it("a download cut short is not kept, is described, and the next URL is tried", async () => {
    const path = await ensureSource(pin([server.url("/truncated"), server.url("/good")]), options());
    expect(await sha256Of(path)).toBe(goodSha);

    await rm(path);
    const error = await caught(ensureSource(pin([server.url("/truncated")]), options()));
    const reason = "download failed after 150000 bytes: connection closed by the server (UND_ERR_SOCKET)";
    expect(error.details).toContain(`tried ${server.url("/truncated")}: ${reason}`);
    expect(await filesInShaDir()).toEqual([]);
  });

  it("ignores and removes a partial file left by a process that died", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const stale = `.${FILE}.partial-${dead}-abcdef`;
    await mkdir(shaDir(), { recursive: true });
    await writeFile(join(shaDir(), stale), good);
    await writeFile(join(mirror, FILE), good);
    await ensureSource(pin(), options());
    expect(await filesInShaDir()).toEqual([FILE]);
  });

  it("a file found nowhere names the file, its hash, every place tried and where to put it", async () => {
    const port = await closedPort();
    const refused = `http://127.0.0.1:${port}/${FILE}`;
    const error = await caught(
      ensureSource(pin([server.url("/missing"), refused]), options()),
    );
    expect(error.message).toContain(FILE);
    expect(error.message).toContain(goodSha);
    expect(error.message).toContain(`put it in ${join(mirror, FILE)}`);
    expect(error.details).toEqual([
      `tried ${join(mirror, FILE)}: not found`,
      `tried ${join(mirror, goodSha, FILE)}: not found`,
      `tried ${join(cache, "mirror", FILE)}: not found`,
      `tried ${join(cache, "mirror", goodSha, FILE)}: not found`,
      `tried ${server.url("/missing")}: HTTP 404 Not Found`,
      `tried ${refused}: connection refused (ECONNREFUSED 127.0.0.1:${port})`,
      `put ${FILE} (sha256 ${goodSha}) in ${join(mirror, FILE)} and run again`,
    ]);
  });

  it("says so when a source has no URLs and suggests <cacheRoot>/mirror without mirrors", async () => {
    const error = await caught(ensureSource(pin(), { cacheRoot: cache, mirrors: [] }));
    expect(error.message).toContain(`put it in ${join(cache, "mirror", FILE)}`);
    expect(error.details).toContain("no URLs are pinned for sources.busybox");
  });

  it("rejects a pin whose file name is a path", async () => {
    const error = await caught(ensureSource({ ...pin(), file: "../evil" }, { cacheRoot: cache, mirrors: [] }));
    expect(error.message).toBe('sources.busybox.file: expected a plain file name, got "../evil"');
  });
});
