// Mirror sites in the download order, and gathering every source at once (all missing ones in one error).
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SourcePin } from "../../../orchestrator/config/types.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { downloadPath, ensureSource } from "../../../orchestrator/sources/ensure-source.js";
import { gatherSources } from "../../../orchestrator/sources/gather.js";
import { closedPort, startLocalServer } from "./local-server.js";
import type { LocalServer } from "./local-server.js";

const bytes = { a: randomBytes(50_000), b: randomBytes(60_000), c: randomBytes(70_000), wrong: randomBytes(50_000) };
const sha = (data: Buffer): string => createHash("sha256").update(data).digest("hex");
const pinOf = (name: "a" | "b" | "c", urls: readonly string[] = []): SourcePin => ({
  name,
  version: "1",
  file: `${name}-1.tar.gz`,
  sha256: sha(bytes[name]),
  urls,
});

let server: LocalServer;
let dir: string;
let cache: string;
let mirror: string;
let refused: string;
beforeAll(async () => {
  const serve = (data: Buffer) => (_req: unknown, res: import("node:http").ServerResponse) => res.writeHead(200).end(data);
  server = await startLocalServer({
    "/site/a-1.tar.gz": serve(bytes.a),
    "/site/b-1.tar.gz": serve(bytes.b),
    "/bad-site/a-1.tar.gz": serve(bytes.wrong),
    "/upstream/a-1.tar.gz": serve(bytes.a),
  });
  refused = `http://127.0.0.1:${await closedPort()}`;
});
afterAll(() => server.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "levitate-gather-"));
  cache = join(dir, "cache");
  mirror = join(dir, "mirror");
  await mkdir(mirror);
  server.requests.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function caught(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe("ensureSource with mirror sites", () => {
  it("downloads <site>/<file> before the pin's own URLs, verified, into the download cache", async () => {
    const pin = pinOf("a", [server.url("/upstream/a-1.tar.gz")]);
    const path = await ensureSource(pin, { cacheRoot: cache, mirrors: [mirror], sites: [`${refused}/down`, server.url("/site")] });
    expect(path).toBe(downloadPath(cache, pin));
    expect(server.requests).toEqual(["/site/a-1.tar.gz"]);
    expect(await readdir(join(cache, "downloads", pin.sha256))).toEqual(["a-1.tar.gz"]);
  });

  it("a mirror directory comes before the sites; a site without the file moves on to the pin's URLs", async () => {
    await writeFile(join(mirror, "b-1.tar.gz"), bytes.b);
    await ensureSource(pinOf("b"), { cacheRoot: cache, mirrors: [mirror], sites: [server.url("/site")] });
    expect(server.requests).toEqual([]);
    const a = pinOf("a", [server.url("/upstream/a-1.tar.gz")]);
    await ensureSource(a, { cacheRoot: cache, mirrors: [], sites: [server.url("/empty-site")] });
    expect(server.requests).toEqual(["/empty-site/a-1.tar.gz", "/upstream/a-1.tar.gz"]);
  });

  it("refuses other bytes from a site, keeps nothing, and says it is the site that is wrong", async () => {
    const pin = pinOf("a", [server.url("/upstream/a-1.tar.gz")]);
    const error = await caught(ensureSource(pin, { cacheRoot: cache, mirrors: [], sites: [server.url("/bad-site")] }));
    expect(error.message).toBe(
      `a-1.tar.gz from ${server.url("/bad-site/a-1.tar.gz")}: sha256 mismatch: expected ${pin.sha256}, got ${sha(bytes.wrong)}`,
    );
    expect(error.details[0]).toBe("the mirror site serves another file under this name than sources.a pins (version 1): fix the site");
    expect(await readdir(join(cache, "downloads", pin.sha256))).toEqual([]);
  });
});

describe("gatherSources", () => {
  it("gets every source and says where each came from", async () => {
    await writeFile(join(mirror, "c-1.tar.gz"), bytes.c);
    const options = { cacheRoot: cache, mirrors: [mirror], sites: [server.url("/site")] };
    const first = await gatherSources([pinOf("a"), pinOf("b"), pinOf("c")], options);
    expect(first.map((g) => [g.pin.name, g.from])).toEqual([
      ["a", server.url("/site/a-1.tar.gz")],
      ["b", server.url("/site/b-1.tar.gz")],
      ["c", join(mirror, "c-1.tar.gz")],
    ]);
    const again = await gatherSources([pinOf("a"), pinOf("b"), pinOf("c")], { ...options, verifyCache: true });
    expect(again.map((g) => g.from)).toEqual(["cache", "cache", "cache"]);
  });

  it("reports every source that cannot be had in one error, each with where to put it", async () => {
    const pins = [pinOf("a", [`${refused}/a-1.tar.gz`]), pinOf("b", [server.url("/site/b-1.tar.gz")]), pinOf("c")];
    const error = await caught(gatherSources(pins, { cacheRoot: cache, mirrors: [mirror] }));
    expect(error.message).toBe("2 of 3 sources cannot be had: sources.a (a-1.tar.gz), sources.c (c-1.tar.gz); nothing was built");
    // fetch builds nothing anyway: it says what it did keep.
    const fetching = await caught(gatherSources(pins, { cacheRoot: cache, mirrors: [mirror], stopped: "those that could be had are in the download cache, verified" }));
    expect(fetching.message).toMatch(/cannot be had: .*; those that could be had are in the download cache, verified$/);
    const text = error.details.join("\n");
    expect(text).toContain(`sources.a: cannot get a-1.tar.gz (sources.a, sha256 ${sha(bytes.a)})`);
    expect(text).toContain(`tried ${refused}/a-1.tar.gz: connection refused`);
    expect(text).toContain(`put a-1.tar.gz (sha256 ${sha(bytes.a)}) in ${join(mirror, "a-1.tar.gz")}`);
    expect(text).toContain(`put c-1.tar.gz (sha256 ${sha(bytes.c)}) in ${join(mirror, "c-1.tar.gz")}`);
    expect(text).toContain("no URLs are pinned for sources.c");
    // The one that could be had was still fetched and kept.
    expect(await readdir(join(cache, "downloads", sha(bytes.b)))).toEqual(["b-1.tar.gz"]);
  });

  it("a source named twice is fetched once", async () => {
    const gathered = await gatherSources([pinOf("a"), pinOf("a")], { cacheRoot: cache, mirrors: [], sites: [server.url("/site")] });
    expect(gathered).toHaveLength(1);
    expect(server.requests).toEqual(["/site/a-1.tar.gz"]);
  });

  it("an abort rejects at once with its reason instead of being collected", async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    controller.abort(reason);
    const rejected = await gatherSources([pinOf("a"), pinOf("b")], { cacheRoot: cache, mirrors: [], sites: [server.url("/site")], signal: controller.signal }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(rejected).toBe(reason);
  });
});
