// hashTree: every entry named by its path and hashed by content, in sorted path order, with the first bad entry's error.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256 } from "../../../orchestrator/hash/sha256.js";
import { hashTree } from "../../../orchestrator/hash/tree.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "levitate-tree-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("hashTree", () => {
  it("names files, links and directories by path, in sorted order, whatever order they were made in", async () => {
    await mkdir(join(dir, "z/deep"), { recursive: true });
    await writeFile(join(dir, "z/deep/file"), "deep");
    await mkdir(join(dir, "a"));
    for (let i = 40; i >= 0; i--) await writeFile(join(dir, "a", `f${String(i).padStart(2, "0")}`), `content ${i}`);
    await symlink("a/f01", join(dir, "link"));
    const tree = await hashTree(dir, "files");
    expect(Object.keys(tree)).toEqual([
      "files/a",
      ...Array.from({ length: 41 }, (_, i) => `files/a/f${String(i).padStart(2, "0")}`),
      "files/link",
      "files/z",
      "files/z/deep",
      "files/z/deep/file",
    ]);
    expect(tree["files/a/f07"]).toBe(`file ${sha256("content 7")}`);
    expect(tree["files/link"]).toBe("symlink a/f01");
    expect(tree["files/z"]).toBe("dir");
  });

  it("keeps only files of the extension, without directories", async () => {
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub/code.js"), "x");
    await writeFile(join(dir, "sub/code.d.ts"), "y");
    expect(await hashTree(dir, "code", { extension: ".js" })).toEqual({ "code/sub/code.js": `file ${sha256("x")}` });
  });

  it("throws the error of the first file in path order that the reader refuses", async () => {
    for (const name of ["b", "c", "a", "d"]) await writeFile(join(dir, name), Buffer.alloc(name === "a" ? 1 : 1000));
    const checkFile = (path: string, bytes: number) => {
      if (!path.endsWith("/a")) throw new Error(`refused ${path.slice(dir.length + 1)} (${bytes} bytes)`);
    };
    await expect(hashTree(dir, "files", { checkFile })).rejects.toThrow("refused b (1000 bytes)");
  });
});
