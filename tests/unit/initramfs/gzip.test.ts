// gzipDeterministic: same bytes every time, a pinned header, and GNU gzip reads it back.
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { writeCpio } from "../../../orchestrator/initramfs/cpio.js";
import { GZIP_CHUNK_BYTES, GZIP_OS_UNIX, gzipDeterministic } from "../../../orchestrator/initramfs/gzip.js";
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
