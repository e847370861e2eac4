// The files tree is read defensively: non-UTF-8 names, oversized files and unreadable parts become errors naming the path.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { MAX_TREE_FILE_BYTES, checkTreeFileSize, readTreeDir, unreadable } from "../../../orchestrator/initramfs/tree-read.js";

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("reading the files tree", () => {
  it("lists UTF-8 names and refuses other bytes, naming the directory and the bytes", async () => {
    dir = await mkdtemp(join(tmpdir(), "tree-read-"));
    await writeFile(join(dir, "motd"), "x");
    await writeFile(join(dir, "é"), "x");
    expect((await readTreeDir(dir)).sort()).toEqual(["motd", "é"]);
    await writeFile(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff])]), "x");
    await expect(readTreeDir(dir)).rejects.toThrow(`expected a UTF-8 file name in the files tree, got the bytes 62 61 64 2d ff`);
  });

  it("refuses files over the limit with their size", () => {
    expect(() => checkTreeFileSize("/p/huge.bin", MAX_TREE_FILE_BYTES)).not.toThrow();
    expect(() => checkTreeFileSize("/p/huge.bin", 3 * 1024 ** 3)).toThrow("/p/huge.bin: expected files of at most 1 GiB in the files tree (it is unpacked into the guest's RAM), got 3.0 GiB");
  });

  it("turns permission errors into a UserError naming the path, and leaves others alone", () => {
    const denied = Object.assign(new Error("EACCES"), { code: "EACCES" });
    const mapped = unreadable("/p/locked", denied);
    expect(mapped).toBeInstanceOf(UserError);
    expect((mapped as Error).message).toBe("/p/locked: cannot read it (permission denied); the files tree must be readable by the user running levitate-docker");
    const other = Object.assign(new Error("EIO"), { code: "EIO" });
    expect(unreadable("/p/x", other)).toBe(other);
  });
});
