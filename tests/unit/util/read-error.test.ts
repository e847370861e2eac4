// The words for what a failed read found, from real failed reads.
import { mkdtemp, readFile, rm, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readErrorReason } from "../../../orchestrator/util/read-error.js";

const reasonFor = async (path: string) => readErrorReason(await readFile(path, "utf8").then(() => null, (error: unknown) => error));

describe("readErrorReason", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "levitate-read-error-"));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it("names a missing file, a directory, and an unreadable file", async () => {
    expect(await reasonFor(join(dir, "missing.yaml"))).toBe("no such file");
    expect(await reasonFor(dir)).toBe("a directory");
    const locked = join(dir, "locked.yaml");
    await writeFile(locked, "a: 1\n");
    await chmod(locked, 0o000);
    // root reads any file: the case can only be seen as another user.
    if (process.getuid?.() !== 0) expect(await reasonFor(locked)).toBe("a file it may not read");
    expect(readErrorReason(Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }))).toBe("a file it may not read");
  });

  it("falls back to the error's code, then its text", () => {
    expect(readErrorReason(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }))).toBe("EIO");
    expect(readErrorReason(new Error("odd"))).toBe("Error: odd");
  });
});
