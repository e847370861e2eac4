// sha256File / verifyFile against digests computed independently in memory.
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SMALL_FILE_BYTES, sha256File, verifyFile } from "../../../orchestrator/hash/sha256.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "levitate-hash-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("sha256File", () => {
  it("hashes a multi-chunk file and an empty one", async () => {
    const data = Buffer.alloc(3 * 65536 + 17, 0x5a);
    await writeFile(join(dir, "big"), data);
    await writeFile(join(dir, "empty"), "");
    expect(await sha256File(join(dir, "big"))).toBe(createHash("sha256").update(data).digest("hex"));
    expect(await sha256File(join(dir, "empty"))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });
});

describe("sha256File on files read in pieces", () => {
  // Every piece different, so a buffer reused between reads cannot hide a stale byte.
  const data = Buffer.alloc(2 * SMALL_FILE_BYTES + 17);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + Math.floor(i / SMALL_FILE_BYTES) * 13) & 0xff;

  it("hashes a file of several pieces and reports the bytes read as it goes", async () => {
    await writeFile(join(dir, "large"), data);
    const seen: number[] = [];
    expect(await sha256File(join(dir, "large"), { onBytes: (bytes) => seen.push(bytes) })).toBe(createHash("sha256").update(data).digest("hex"));
    expect(seen).toEqual([SMALL_FILE_BYTES, 2 * SMALL_FILE_BYTES, data.length]);
  });

  it("stops when its signal is aborted", async () => {
    await writeFile(join(dir, "large"), data);
    const controller = new AbortController();
    const hashing = sha256File(join(dir, "large"), { signal: controller.signal, onBytes: () => controller.abort() });
    await expect(hashing).rejects.toThrow(/abort/i);
  });
});

describe("verifyFile", () => {
  it("says whether the file has the expected hash and what it has", async () => {
    await writeFile(join(dir, "f"), "hello\n");
    const actual = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    expect(await verifyFile(join(dir, "f"), actual)).toEqual({ ok: true, actual });
    expect(await verifyFile(join(dir, "f"), actual.toUpperCase())).toEqual({ ok: true, actual });
    expect(await verifyFile(join(dir, "f"), "0".repeat(64))).toEqual({ ok: false, actual });
  });
});
