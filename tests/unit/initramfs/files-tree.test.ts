// readFilesTree: the config/files tree on the host becomes entries with normalised modes and kept symlinks.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InterruptedError, UserError } from "../../../orchestrator/errors/errors.js";
import { readFilesTree } from "../../../orchestrator/initramfs/files-tree.js";
import type { ManifestEntry } from "../../../orchestrator/initramfs/manifest.js";
import { runToolOk } from "./host-tools.js";

const scratch = mkdtempSync(join(tmpdir(), "levitate-files-tree-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(name: string): string {
  const root = join(scratch, name);
  mkdirSync(root);
  return root;
}

function put(root: string, path: string, text: string, mode: number): void {
  mkdirSync(join(root, path, ".."), { recursive: true });
  writeFileSync(join(root, path), text);
  chmodSync(join(root, path), mode);
}

/** Entries with data as text, so expectations read like the tree. */
function readable(entries: readonly ManifestEntry[]): unknown[] {
  return entries.map((e) => (e.kind === "file" ? { ...e, data: new TextDecoder().decode(e.data) } : e));
}

describe("readFilesTree", () => {
  it("maps directories to 0755, scripts to 0755 and other files to 0644, keeps symlinks, skips .gitkeep", async () => {
    const root = tree("full");
    put(root, "etc/motd", "welcome\n", 0o644);
    put(root, "etc/secret", "s\n", 0o600);
    put(root, "usr/local/bin/hello", "#!/bin/sh\necho hello\n", 0o700);
    put(root, "usr/local/bin/group-exec", "x\n", 0o654);
    put(root, "var/empty/.gitkeep", "", 0o644);
    put(root, ".gitkeep", "", 0o644);
    chmodSync(join(root, "etc"), 0o700);
    symlinkSync("../usr/local/bin/hello", join(root, "etc/hello-link"));
    symlinkSync("/run/resolv.conf", join(root, "etc/resolv.conf"));
    symlinkSync("does-not-exist", join(root, "etc/dangling"));
    expect(readable(await readFilesTree(root))).toEqual([
      { kind: "dir", path: "etc", mode: 0o755 },
      { kind: "symlink", path: "etc/dangling", target: "does-not-exist" },
      { kind: "symlink", path: "etc/hello-link", target: "../usr/local/bin/hello" },
      { kind: "file", path: "etc/motd", mode: 0o644, data: "welcome\n" },
      { kind: "symlink", path: "etc/resolv.conf", target: "/run/resolv.conf" },
      { kind: "file", path: "etc/secret", mode: 0o644, data: "s\n" },
      { kind: "dir", path: "usr", mode: 0o755 },
      { kind: "dir", path: "usr/local", mode: 0o755 },
      { kind: "dir", path: "usr/local/bin", mode: 0o755 },
      { kind: "file", path: "usr/local/bin/group-exec", mode: 0o644, data: "x\n" },
      { kind: "file", path: "usr/local/bin/hello", mode: 0o755, data: "#!/bin/sh\necho hello\n" },
      { kind: "dir", path: "var", mode: 0o755 },
      { kind: "dir", path: "var/empty", mode: 0o755 },
    ]);
  });

  it("takes file modes from content, never from the host's bits: #! and ELF are 0755, the rest 0644", async () => {
    const root = tree("modes");
    put(root, "bin/script-no-x", "#!/bin/sh\n", 0o644);
    put(root, "bin/elf-no-x", "\x7fELF\x02\x01", 0o600);
    put(root, "etc/x-no-script", "not a script\n", 0o755);
    const modes = (await readFilesTree(root)).flatMap((e) => (e.kind === "file" ? [[e.path, e.mode]] : []));
    expect(modes).toEqual([
      ["bin/elf-no-x", 0o755],
      ["bin/script-no-x", 0o755],
      ["etc/x-no-script", 0o644],
    ]);
  });

  it("refuses text files with CRLF line endings, naming every one and its line", async () => {
    const root = tree("crlf");
    put(root, "etc/init.d/web", "#!/sbin/openrc-run\r\ncommand=httpd\r\n", 0o755);
    put(root, "etc/motd", "hello\nworld\r\n", 0o644);
    put(root, "etc/ok", "lf only\n", 0o644);
    put(root, "lib/blob.bin", "\0binary\r\n", 0o644);
    const error = await readFilesTree(root).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`expected LF line endings in the files tree ${root}, got CRLF in 2 files`);
    expect((error as UserError).details.slice(0, 2)).toEqual([
      `${join(root, "etc/init.d/web")}: expected LF line endings, got CRLF (\\r\\n) at line 1`,
      `${join(root, "etc/motd")}: expected LF line endings, got CRLF (\\r\\n) at line 2`,
    ]);
    const one = tree("crlf-one");
    put(one, "etc/motd", "a\r\n", 0o644);
    await expect(readFilesTree(one)).rejects.toThrow(`${join(one, "etc/motd")}: expected LF line endings, got CRLF (\\r\\n) at line 1`);
  });

  it("stops with the cancel's reason when the build is cancelled", async () => {
    const root = tree("cancelled");
    put(root, "etc/motd", "welcome\n", 0o644);
    const controller = new AbortController();
    controller.abort(new InterruptedError("SIGTERM"));
    await expect(readFilesTree(root, controller.signal)).rejects.toThrow(InterruptedError);
  });

  it("gives an empty list for an empty tree", async () => {
    expect(await readFilesTree(tree("empty"))).toEqual([]);
  });

  it("refuses a missing directory or a file instead of one", async () => {
    await expect(readFilesTree(join(scratch, "nope"))).rejects.toThrow(UserError);
    await expect(readFilesTree(join(scratch, "nope"))).rejects.toThrow(/expected the files tree \(config "files:"\) to be a directory at .*nope, got nothing/);
    const root = tree("not-a-dir");
    put(root, "file", "x", 0o644);
    await expect(readFilesTree(join(root, "file"))).rejects.toThrow(/to be a directory at .*file, got a file/);
  });

  it("refuses named pipes and names the image cannot hold", async () => {
    const fifo = tree("fifo");
    runToolOk("mkfifo", [join(fifo, "pipe")]);
    await expect(readFilesTree(fifo)).rejects.toThrow(/pipe: expected only directories, regular files and symlinks in the files tree, got a named pipe/);
    const badName = tree("bad-name");
    put(badName, "line\nbreak", "x", 0o644);
    await expect(readFilesTree(badName)).rejects.toThrow(/expected a name the image can hold, got a path with a control character/);
  });
});
