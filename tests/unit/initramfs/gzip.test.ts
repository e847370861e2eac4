// gzipDeterministic: same bytes every time, a pinned header, and GNU gzip reads it back.
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { writeCpio } from "../../../orchestrator/initramfs/cpio.js";
import { GZIP_CHUNK_BYTES, GZIP_OS_UNIX, gzipDeterministic, pieceKey } from "../../../orchestrator/initramfs/gzip.js";
import type { PieceCache } from "../../../orchestrator/initramfs/gzip.js";
import { runToolOk } from "./host-tools.js";
import { fixedBytes, sampleManifest } from "./sample-manifest.js";

describe("gzipDeterministic", () => {
  const input = Buffer.concat([writeCpio(sampleManifest()), Buffer.from(fixedBytes(300_000, 7))]);

  it("gives identical bytes for identical input", async () => {
    const first = await gzipDeterministic(input);
    const second = await gzipDeterministic(Buffer.from(input));
    expect(Buffer.compare(first, second)).toBe(0);
  });

  it("writes no name or flags, mtime 0, XFL 0 and the Unix OS byte", async () => {
    const header = (await gzipDeterministic(input)).subarray(0, 10);
    expect([...header]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, GZIP_OS_UNIX]);
  });

  it("is read back by gzip -dc and passes gzip -t", async () => {
    const compressed = await gzipDeterministic(input);
    expect(Buffer.compare(runToolOk("gzip", ["-dc"], { input: compressed }), input)).toBe(0);
    runToolOk("gzip", ["-t"], { input: compressed });
    expect(compressed.length).toBeLessThan(input.length);
  });

  it("is read back whole when compressed in several pieces (one gzip member: CRC and length of the whole)", async () => {
    const big = Buffer.concat([input, Buffer.from(fixedBytes(2 * GZIP_CHUNK_BYTES + 12_345, 11)), input]);
    const compressed = await gzipDeterministic(big);
    expect(Buffer.compare(runToolOk("gzip", ["-dc"], { input: compressed }), big)).toBe(0);
    runToolOk("gzip", ["-t"], { input: compressed });
    expect(Buffer.compare(gunzipSync(compressed), big)).toBe(0);
  });

  it("handles empty input", async () => {
    const compressed = await gzipDeterministic(new Uint8Array(0));
    expect(runToolOk("gzip", ["-dc"], { input: compressed }).length).toBe(0);
  });
});

/** An in-memory PieceCache that counts what it was asked. */
function memoryCache(): PieceCache & { map: Map<string, Uint8Array>; hits: number; puts: number } {
  const map = new Map<string, Uint8Array>();
  const cache = {
    map,
    hits: 0,
    puts: 0,
    async get(key: string) {
      const known = map.get(key) ?? null;
      if (known !== null) cache.hits += 1;
      return known;
    },
    add(key: string, compressed: Uint8Array) {
      cache.puts += 1;
      map.set(key, Uint8Array.from(compressed));
    },
  };
  return cache;
}

describe("gzipDeterministic with a piece cache", () => {
  const pieces = 3;
  const data = Buffer.from(fixedBytes(pieces * GZIP_CHUNK_BYTES - 1000, 21));

  it("gives the same bytes as without one, cold and warm", async () => {
    const plain = await gzipDeterministic(data);
    const cache = memoryCache();
    const cold = await gzipDeterministic(data, { pieces: cache });
    expect(cache.puts).toBe(pieces);
    expect(cache.hits).toBe(0);
    const warm = await gzipDeterministic(data, { pieces: cache });
    expect(cache.hits).toBe(pieces);
    expect(cache.puts).toBe(pieces);
    expect(Buffer.compare(cold, plain)).toBe(0);
    expect(Buffer.compare(warm, plain)).toBe(0);
  });

  it("compresses again only the pieces whose bytes or dictionary changed", async () => {
    const cache = memoryCache();
    await gzipDeterministic(data, { pieces: cache });
    const edited = Buffer.from(data);
    edited.writeUInt8(edited.readUInt8(edited.length - 10) ^ 0xff, edited.length - 10);
    const out = await gzipDeterministic(edited, { pieces: cache });
    expect(cache.hits).toBe(pieces - 1);
    expect(Buffer.compare(gunzipSync(out), edited)).toBe(0);
    expect(Buffer.compare(out, await gzipDeterministic(edited))).toBe(0);
    // A change in the last 32 KiB of a piece is the next piece's dictionary: that one changes too.
    const nearEnd = Buffer.from(data);
    nearEnd.writeUInt8(nearEnd.readUInt8(GZIP_CHUNK_BYTES - 5) ^ 0xff, GZIP_CHUNK_BYTES - 5);
    const before = cache.hits;
    await gzipDeterministic(nearEnd, { pieces: cache });
    expect(cache.hits - before).toBe(pieces - 2);
  });

  it("keys a piece by its bytes, its dictionary, whether it ends the stream and the zlib that made it", () => {
    const piece = Buffer.from("piece");
    const key = pieceKey(Buffer.from("dict"), piece, false);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(pieceKey(Buffer.from("dict"), piece, false)).toBe(key);
    expect(pieceKey(Buffer.from("dict"), piece, true)).not.toBe(key);
    expect(pieceKey(Buffer.from("dicT"), piece, false)).not.toBe(key);
    expect(pieceKey(Buffer.from("dictp"), Buffer.from("iece"), false)).not.toBe(key);
  });

  it("compresses what a failing cache cannot give", async () => {
    const broken: PieceCache = {
      get: () => Promise.reject(new Error("EIO")),
      add: () => undefined,
    };
    expect(Buffer.compare(await gzipDeterministic(data, { pieces: broken }), await gzipDeterministic(data))).toBe(0);
  });
});
