// Artifacts carry their own digests: recorded at commit, checked by stamp then by hash, so bit rot and tampering are seen.
import { mkdtemp, open, rm, utimes, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { digestMismatch, outputProblems, recordOutputs } from "../../../orchestrator/artifacts/artifact-digests.js";

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function artifact(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), "digests-"));
  await writeFile(join(dir, "levitate.iso"), "iso bytes");
  await mkdir(join(dir, "sub"));
  await writeFile(join(dir, "sub", "applets.txt"), "ls\ncat\n");
  await writeFile(join(dir, "meta.json"), "{}");
  return dir;
}

describe("artifact digests", () => {
  it("records sha256 and size of every file but meta.json", async () => {
    const { outputs, stamps } = await recordOutputs(await artifact());
    expect(Object.keys(outputs)).toEqual(["levitate.iso", "sub/applets.txt"]);
    expect(outputs["levitate.iso"]).toEqual({ sha256: createHash("sha256").update("iso bytes").digest("hex"), bytes: 9 });
    expect(Object.keys(stamps)).toEqual(["levitate.iso", "sub/applets.txt"]);
    expect(await outputProblems(dir, outputs, stamps)).toEqual([]);
  });

  it("takes a digest hashed as the file was written when its size matches, and hashes the rest", async () => {
    const dir = await artifact();
    const written = { "levitate.iso": { sha256: "a".repeat(64), bytes: 9 }, "sub/applets.txt": { sha256: "b".repeat(64), bytes: 6 }, "gone.txt": { sha256: "c".repeat(64), bytes: 1 } };
    const { outputs } = await recordOutputs(dir, written);
    // Not read again: the digest given for it is what is recorded.
    expect(outputs["levitate.iso"]).toEqual({ sha256: "a".repeat(64), bytes: 9 });
    // Its size is not the one given: hashed from the file.
    expect(outputs["sub/applets.txt"]).toEqual({ sha256: createHash("sha256").update("ls\ncat\n").digest("hex"), bytes: 7 });
    // Only files that exist are outputs.
    expect(Object.keys(outputs)).toEqual(["levitate.iso", "sub/applets.txt"]);
  });

  it("sees a flipped byte, a truncation and a missing file", async () => {
    const { outputs, stamps } = await recordOutputs(await artifact());
    const handle = await open(join(dir, "levitate.iso"), "r+");
    await handle.write("X", 0);
    await handle.close();
    await writeFile(join(dir, "sub", "applets.txt"), "ls\n");
    expect(await outputProblems(dir, outputs, stamps)).toEqual([
      expect.stringMatching(/^levitate\.iso has sha256 [0-9a-f]{16}…, the stage produced [0-9a-f]{16}…$/),
      "sub/applets.txt has 3 bytes, the stage produced 7",
    ]);
    await rm(join(dir, "sub", "applets.txt"));
    expect(await outputProblems(dir, { "sub/applets.txt": outputs["sub/applets.txt"]! })).toEqual(["sub/applets.txt is missing"]);
  });

  it("hashes a file whose stamp changed but keeps it when the bytes are the same (a copied cache)", async () => {
    const { outputs, stamps } = await recordOutputs(await artifact());
    await utimes(join(dir, "levitate.iso"), new Date(0), new Date(0));
    expect(await outputProblems(dir, outputs, stamps)).toEqual([]);
    expect(await digestMismatch(join(dir, "levitate.iso"), outputs["levitate.iso"])).toBeNull();
    expect(await digestMismatch(join(dir, "sub", "applets.txt"), outputs["levitate.iso"])).toMatch(/^sha256 [0-9a-f]{64}, the stage produced/);
  });
});
