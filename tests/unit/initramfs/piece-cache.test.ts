// The on-disk piece cache: what it returns is what was stored, damaged files are misses, storing waits for the whole image, pruning keeps the pieces in use.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { directoryPieceCache } from "../../../orchestrator/initramfs/piece-cache.js";

const scratch = mkdtempSync(join(tmpdir(), "levitate-piece-cache-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function freshDir(): string {
  counter += 1;
  return join(scratch, `cache-${counter}`);
}
const key = (n: number) => n.toString(16).padStart(64, "0");

/** What gzipDeterministic does with a cache: ask for each piece once, add the ones it compressed. */
async function compressImage(cache: ReturnType<typeof directoryPieceCache>, pieces: Record<number, string>): Promise<void> {
  for (const [n, text] of Object.entries(pieces)) if ((await cache.get(key(Number(n)))) === null) cache.add(key(Number(n)), Buffer.from(text));
}

describe("directoryPieceCache", () => {
  it("writes nothing until the image is stored, then gives back what was added", async () => {
    const dir = freshDir();
    const cache = directoryPieceCache(dir);
    await compressImage(cache, { 1: "compressed bytes" });
    expect(existsSync(dir)).toBe(false);
    await cache.store();
    expect(readdirSync(dir)).toEqual([key(1)]);
    const next = directoryPieceCache(dir);
    expect(Buffer.from((await next.get(key(1)))!).toString()).toBe("compressed bytes");
    expect(await next.get(key(2))).toBeNull();
  });

  it("takes a file that does not match its digest for a miss, and removes it", async () => {
    const dir = freshDir();
    const cache = directoryPieceCache(dir);
    await compressImage(cache, { 2: "the real piece" });
    await cache.store();
    const path = join(dir, key(2));
    const bytes = readFileSync(path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    writeFileSync(path, bytes);
    expect(await cache.get(key(2))).toBeNull();
    expect(existsSync(path)).toBe(false);
    writeFileSync(path, Buffer.from("short"));
    expect(await cache.get(key(2))).toBeNull();
  });

  it("ignores keys that are not sha256 hex (no path outside the directory)", async () => {
    const dir = freshDir();
    const cache = directoryPieceCache(dir);
    cache.add("../escape", Buffer.from("x"));
    await cache.store();
    expect(await cache.get("../escape")).toBeNull();
    expect(existsSync(join(dir, "..", "escape"))).toBe(false);
  });

  it("prunes the least recently used pieces beyond its limit; reading a piece marks it used", async () => {
    const dir = freshDir();
    const writer = directoryPieceCache(dir, 3);
    await compressImage(writer, { 10: "piece 10", 11: "piece 11", 12: "piece 12" });
    await writer.store();
    const old = Date.now() / 1000 - 3600;
    for (const n of [10, 11, 12]) utimesSync(join(dir, key(n)), old + n, old + n);
    // key(10) is the oldest, but this image reads it: key(11) is the one to go.
    const reader = directoryPieceCache(dir, 3);
    await compressImage(reader, { 10: "piece 10", 13: "piece 13" });
    await reader.store();
    expect(readdirSync(dir).sort()).toEqual([key(10), key(12), key(13)]);
  });

  it("removes partial files of writers that are gone, keeps those of live ones", async () => {
    const dir = freshDir();
    const first = directoryPieceCache(dir);
    await compressImage(first, { 20: "x" });
    await first.store();
    const dead = `.${key(21)}.partial-999999999-abcd`;
    const alive = `.${key(22)}.partial-${process.pid}-abcd`;
    writeFileSync(join(dir, dead), "torn");
    writeFileSync(join(dir, alive), "being written");
    // Also when every piece came from the cache (nothing new to write).
    const again = directoryPieceCache(dir);
    await compressImage(again, { 20: "x" });
    await again.store();
    expect(readdirSync(dir).sort()).toEqual([alive, key(20)].sort());
  });

  it("stores nothing of an image with more pieces than it may hold", async () => {
    const dir = freshDir();
    const cache = directoryPieceCache(dir, 3);
    await compressImage(cache, { 30: "a", 31: "b", 32: "c", 33: "d" });
    await cache.store();
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it("does not throw when its directory cannot be made (only compression is lost)", async () => {
    const file = `${freshDir()}-file`;
    writeFileSync(file, "not a directory");
    const cache = directoryPieceCache(join(file, "pieces"));
    await compressImage(cache, { 40: "x" });
    await expect(cache.store()).resolves.toBeUndefined();
    expect(await cache.get(key(40))).toBeNull();
  });
});
