// entriesFromTar: a GNU tar made the way the OpenRC stage makes openrc.tar, plus the archives it must refuse.
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "tar-stream";
import type { Header } from "tar-stream";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../../orchestrator/errors/errors.js";
import type { ManifestEntry } from "../../../orchestrator/initramfs/manifest.js";
import { entriesFromTar } from "../../../orchestrator/initramfs/tar-entries.js";
import { runToolOk } from "./host-tools.js";

const scratch = mkdtempSync(join(tmpdir(), "levitate-tar-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const LONG = `usr/share/${"doc-".repeat(40)}x`;

type Item = Partial<Header> & { name: string; body?: string };

/** A tar made by tar-stream from header fields. */
async function tarOf(items: readonly Item[]): Promise<Uint8Array> {
  const archive = pack();
  for (const { body, ...header } of items) archive.entry(header, body ?? "");
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function readable(entries: readonly ManifestEntry[]): unknown[] {
  return entries.map((e) => (e.kind === "file" ? { ...e, data: new TextDecoder().decode(e.data) } : e));
}

describe("entriesFromTar", () => {
  it("reads GNU tar's --sort=name --owner=0 output: dirs, files with modes, symlinks, hard links, long names", async () => {
    const root = join(scratch, "tree");
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    mkdirSync(join(root, LONG, ".."), { recursive: true });
    mkdirSync(join(root, "etc/init.d"), { recursive: true });
    writeFileSync(join(root, "usr/bin/rc-status"), "rc-status\n");
    chmodSync(join(root, "usr/bin/rc-status"), 0o755);
    writeFileSync(join(root, "etc/rc.conf"), "rc_parallel=NO\n");
    chmodSync(join(root, "etc/rc.conf"), 0o640);
    writeFileSync(join(root, LONG), "long\n");
    chmodSync(join(root, LONG), 0o644);
    chmodSync(join(root, "etc/init.d"), 0o750);
    linkSync(join(root, "usr/bin/rc-status"), join(root, "usr/bin/rc-status2"));
    symlinkSync("../../usr/bin/rc-status", join(root, "etc/init.d/status"));
    const tar = runToolOk("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", root, "-cf", "-", "."]);
    const entries = readable(await entriesFromTar(tar));
    expect(entries).toEqual([
      { kind: "dir", path: "etc", mode: 0o755 },
      { kind: "dir", path: "etc/init.d", mode: 0o750 },
      { kind: "symlink", path: "etc/init.d/status", target: "../../usr/bin/rc-status" },
      { kind: "file", path: "etc/rc.conf", mode: 0o640, data: "rc_parallel=NO\n" },
      { kind: "dir", path: "usr", mode: 0o755 },
      { kind: "dir", path: "usr/bin", mode: 0o755 },
      { kind: "file", path: "usr/bin/rc-status", mode: 0o755, data: "rc-status\n" },
      { kind: "hardlink", path: "usr/bin/rc-status2", target: "usr/bin/rc-status" },
      { kind: "dir", path: "usr/share", mode: 0o755 },
      { kind: "file", path: LONG, mode: 0o644, data: "long\n" },
    ]);
  });

  it("reads the same tree from GNU, POSIX (pax) and ustar archives: long names, long link targets, prefixes", async () => {
    const root = join(scratch, "formats");
    const deep = `opt/${"d".repeat(90)}/${"e".repeat(60)}`;
    mkdirSync(join(root, deep), { recursive: true });
    writeFileSync(join(root, deep, "file"), "deep\n");
    writeFileSync(join(root, "é-utf8"), "x\n");
    symlinkSync(`../${"t".repeat(120)}`, join(root, "opt/far-link"));
    const read = async (format: string) =>
      readable(await entriesFromTar(runToolOk("tar", [`--format=${format}`, "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", root, "-cf", "-", "."])));
    const gnu = await read("gnu");
    expect(gnu).toContainEqual({ kind: "file", path: `${deep}/file`, mode: 0o644, data: "deep\n" });
    expect(gnu).toContainEqual({ kind: "symlink", path: "opt/far-link", target: `../${"t".repeat(120)}` });
    expect(gnu).toContainEqual({ kind: "file", path: "é-utf8", mode: 0o644, data: "x\n" });
    expect(await read("posix")).toEqual(gnu);
    // ustar has no long link targets: without the symlink, the same (the long path via its prefix field).
    rmSync(join(root, "opt/far-link"));
    expect(await read("ustar")).toEqual(gnu.filter((e) => (e as ManifestEntry).path !== "opt/far-link"));
  });

  it("refuses an archive cut short, and one whose header checksum is wrong", async () => {
    const tar = Buffer.from(await tarOf([{ name: "a", body: "x".repeat(700) }]));
    await expect(entriesFromTar(tar.subarray(0, 1000), "cut.tar")).rejects.toThrow(/expected cut.tar to be a tar archive, got one that cannot be read: the entry at byte 0 runs past the end/);
    const bad = Buffer.from(tar);
    bad[0] = "b".charCodeAt(0);
    await expect(entriesFromTar(bad, "bad.tar")).rejects.toThrow(/bad.tar .*cannot be read: the header at byte 0 has checksum \d+, its bytes sum to \d+/);
    await expect(entriesFromTar(new Uint8Array(0), "empty.tar")).rejects.toThrow(/cannot be read: it is empty/);
  });

  it("accepts names without ./, and keeps device nodes", async () => {
    const tar = await tarOf([
      { name: "dev/", type: "directory", mode: 0o755 },
      { name: "dev/tty", type: "character-device", mode: 0o666, devmajor: 5, devminor: 0 },
      { name: "dev/loop0", type: "block-device", mode: 0o660, devmajor: 7, devminor: 0 },
    ]);
    expect(await entriesFromTar(tar)).toEqual([
      { kind: "dir", path: "dev", mode: 0o755 },
      { kind: "device", path: "dev/loop0", mode: 0o660, type: "block", major: 7, minor: 0 },
      { kind: "device", path: "dev/tty", mode: 0o666, type: "char", major: 5, minor: 0 },
    ]);
  });

  it.each([
    ["an absolute path", [{ name: "/etc/passwd", body: "x" }], /entry "\/etc\/passwd": expected a relative path without '\.\.', got an absolute path/],
    ["a '..' path", [{ name: "../escape", body: "x" }], /entry "\.\.\/escape": expected a relative path without '\.\.', got a path with a '\.\.' component/],
    ["a named pipe", [{ name: "run/fifo", type: "fifo" as const }], /entry "run\/fifo": expected a directory, file, symlink, hard link or device, got type fifo/],
    ["a path twice", [{ name: "a", body: "1" }, { name: "./a", body: "2" }], /expected each path once, got "a" twice/],
    ["a hard link to nothing", [{ name: "b", type: "link" as const, linkname: "a" }], /hard link "b": expected its target "a" to be an earlier file in the archive, got nothing/],
  ])("refuses %s", async (_, items, message) => {
    const promise = entriesFromTar(await tarOf(items), "test.tar");
    await expect(promise).rejects.toThrow(UserError);
    await expect(promise).rejects.toThrow(message);
  });

  it("refuses bytes that are not a tar archive", async () => {
    const garbage = Buffer.alloc(1024, 0x41);
    await expect(entriesFromTar(garbage, "openrc.tar")).rejects.toThrow(/expected openrc.tar to be a tar archive, got one that cannot be read/);
  });
});
