// The on-disk piece cache: what it returns is what was put, damaged files are misses, pruning keeps the pieces in use.
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

describe("directoryPieceCache", () => {
  it("gives back what was put, creating its directory; nothing for an unknown key", async () => {
    const dir = freshDir();
    const cache = directoryPieceCache(dir);
    expect(await cache.get(key(1))).toBeNull();
    await cache.put(key(1), Buffer.from("compressed bytes"));
    expect(Buffer.from((await cache.get(key(1)))!).toString()).toBe("compressed bytes");
    expect(readdirSync(dir)).toEqual([key(1)]);
  });

  it("takes a file that does not match its digest for a miss, and removes it", async () => {
    const dir = freshDir();
    const cache = directoryPieceCache(dir);
    await cache.put(key(2), Buffer.from("the real piece"));
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
    await cache.put("../escape", Buffer.from("x"));
    expect(await cache.get("../escape")).toBeNull();
    expect(existsSync(join(dir, "..", "escape"))).toBe(false);
  });

  it("prunes the least recently used pieces beyond its limit, and dead writers' partial files", async () => {
    const dir = freshDir();
    const writer = directoryPieceCache(dir, 2);
    const old = Date.now() / 1000 - 3600;
    for (let n = 10; n < 15; n++) {
      await writer.put(key(n), Buffer.alloc(68, n));
      utimesSync(join(dir, key(n)), old + n, old + n);
    }
    // Reading a piece marks it used: key(10), the oldest, is kept; key(11)..key(13) go.
    expect(await writer.get(key(10))).not.toBeNull();
    writeFileSync(join(dir, `.${key(20)}.partial-1-abcd`), "dead");
    utimesSync(join(dir, `.${key(20)}.partial-1-abcd`), old, old);
    writeFileSync(join(dir, `.${key(21)}.partial-2-abcd`), "alive");
    await writer.prune();
    expect(readdirSync(dir).sort()).toEqual([`.${key(21)}.partial-2-abcd`, key(10), key(14)].sort());
  });

  it("prunes nothing when it wrote nothing (a build that reused every piece)", async () => {
    const dir = freshDir();
    await directoryPieceCache(dir, 1).put(key(30), Buffer.alloc(100));
    await directoryPieceCache(dir, 1).put(key(31), Buffer.alloc(100));
    const reader = directoryPieceCache(dir, 1);
    expect(await reader.get(key(30))).not.toBeNull();
    await reader.prune();
    expect(readdirSync(dir).sort()).toEqual([key(30), key(31)]);
  });

  it("fails a put into a directory it cannot create (the gzip layer then just compresses)", async () => {
    const file = join(freshDir() + "-file");
    writeFileSync(file, "not a directory");
    const cache = directoryPieceCache(join(file, "pieces"));
    await expect(cache.put(key(40), Buffer.from("x"))).rejects.toThrow();
    expect(await cache.get(key(40))).toBeNull();
  });
});
