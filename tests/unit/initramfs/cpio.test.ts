// The newc writer, checked by the real GNU cpio and bsdtar: listing, extraction, device numbers, determinism.
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BULK_FILE_BYTES, writeCpio } from "../../../orchestrator/initramfs/cpio.js";
import type { ManifestEntry } from "../../../orchestrator/initramfs/manifest.js";
import { listing } from "../../../orchestrator/initramfs/listing.js";
import { runToolOk } from "./host-tools.js";
import { LONG_TARGET, SAMPLE_MODES, fixedBytes, sampleManifest } from "./sample-manifest.js";

const scratch = mkdtempSync(join(tmpdir(), "levitate-cpio-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Listed {
  readonly mode: string;
  readonly nlink: number;
  readonly owner: string;
  readonly size: string;
  readonly date: string;
  readonly name: string;
  readonly target: string | null;
}

/** Parses `cpio -itvn` / `bsdtar -tvf` lines: mode nlink uid gid size-or-"maj, min" date name [-> target]. */
function parseListing(text: string): Map<string, Listed> {
  const rows = new Map<string, Listed>();
  const pattern = /^(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+,\s*\d+|\d+)\s+(\w{3}\s+\d+\s+\d{4})\s(.*)$/u;
  for (const line of text.split("\n").filter((l) => l !== "")) {
    const match = pattern.exec(line);
    if (match === null) throw new Error(`unexpected listing line: ${line}`);
    const [, mode = "", nlink = "", uid = "", gid = "", size = "", date = "", rest = ""] = match;
    const arrow = mode.startsWith("l") ? rest.indexOf(" -> ") : -1;
    const name = arrow === -1 ? rest.replace(/ link to .*$/, "") : rest.slice(0, arrow);
    const target = arrow === -1 ? null : rest.slice(arrow + 4);
    rows.set(name, { mode, nlink: Number(nlink), owner: `${uid}:${gid}`, size: size.replace(/\s+/g, ""), date: date.replace(/\s+/g, " "), name, target });
  }
  return rows;
}

function archive(manifest: readonly ManifestEntry[], name: string, mtime?: number): string {
  const path = join(scratch, name);
  writeFileSync(path, writeCpio(manifest, mtime === undefined ? {} : { mtime }));
  return path;
}

/** A minimal newc header walk (ino and nlink are not shown by cpio -t). */
function headers(bytes: Buffer): { name: string; ino: number; nlink: number; size: number; offset: number }[] {
  const out: { name: string; ino: number; nlink: number; size: number; offset: number }[] = [];
  let offset = 0;
  for (;;) {
    expect(bytes.toString("ascii", offset, offset + 6)).toBe("070701");
    const field = (index: number): number => parseInt(bytes.toString("ascii", offset + 6 + index * 8, offset + 14 + index * 8), 16);
    const nameSize = field(11);
    const size = field(6);
    const name = bytes.toString("utf8", offset + 110, offset + 110 + nameSize - 1);
    out.push({ name, ino: field(0), nlink: field(4), size, offset });
    offset += Math.ceil((110 + nameSize) / 4) * 4;
    offset += Math.ceil(size / 4) * 4;
    if (name === "TRAILER!!!") break;
  }
  expect(offset).toBe(bytes.length);
  return out;
}

describe("writeCpio, read back by GNU cpio and bsdtar", () => {
  const manifest = sampleManifest();
  const path = archive(manifest, "sample.cpio");
  const bytes = readFileSync(path);
  const byPath = new Map(manifest.map((entry) => [entry.path, entry]));

  for (const [tool, args] of [["cpio", ["-itvn", "--quiet", "-F"]], ["bsdtar", ["-tvf"]]] as const) {
    it(`${tool} lists every entry with its mode, owner, size, device numbers and symlink target`, () => {
      const rows = parseListing(runToolOk(tool, [...args, path]).toString("utf8"));
      expect([...rows.keys()].sort()).toEqual(Object.keys(SAMPLE_MODES).sort());
      for (const [name, row] of rows) {
        const entry = byPath.get(name);
        expect(row.mode, name).toBe(SAMPLE_MODES[name]);
        expect(row.owner, name).toBe("0:0");
        expect(row.date, name).toBe("Jan 1 1970");
        if (entry?.kind === "device") expect(row.size, name).toBe(`${entry.major},${entry.minor}`);
        if (entry?.kind === "symlink") expect(row.target, name).toBe(entry.target);
        if (entry?.kind === "dir") {
          const subdirs = manifest.filter((e) => e.kind === "dir" && e.path.startsWith(`${name}/`) && !e.path.slice(name.length + 1).includes("/"));
          expect(row.nlink, name).toBe(2 + subdirs.length);
        }
      }
      expect(rows.get("etc/init.d/rcS")?.nlink).toBe(3);
    });
  }

  it("extracts with cpio -idm to the same names, modes, bytes, symlink targets, hard links and mtime", () => {
    const into = join(scratch, "extracted");
    runToolOk("sh", ["-c", `mkdir -p "$1"`, "sh", into]);
    const devices = manifest.filter((e) => e.kind === "device").map((e) => e.path);
    // Device nodes would need root to create; their numbers are checked from the listings above.
    runToolOk("cpio", ["-idm", "--quiet", "--no-absolute-filenames", "-F", path, "-f", ...devices], { cwd: into });
    for (const entry of manifest) {
      if (entry.kind === "device") continue;
      const where = join(into, entry.path);
      const stats = lstatSync(where);
      if (entry.kind === "dir") {
        expect(stats.isDirectory(), entry.path).toBe(true);
        expect(stats.mode & 0o7777, entry.path).toBe(entry.mode);
      } else if (entry.kind === "symlink") {
        expect(readlinkSync(where), entry.path).toBe(entry.target);
      } else {
        const file = entry.kind === "file" ? entry : byPath.get(entry.target);
        if (file?.kind !== "file") throw new Error(`bad sample: ${entry.path}`);
        expect(stats.isFile(), entry.path).toBe(true);
        expect(stats.mode & 0o7777, entry.path).toBe(file.mode);
        expect(Buffer.compare(readFileSync(where), Buffer.from(file.data)), entry.path).toBe(0);
        expect(stats.mtimeMs, entry.path).toBe(0);
      }
    }
    const rcS = lstatSync(join(into, "etc/init.d/rcS"));
    expect(lstatSync(join(into, "etc/rcS-link")).ino).toBe(rcS.ino);
    expect(lstatSync(join(into, "usr/bin/rcS-link")).ino).toBe(rcS.ino);
    expect(rcS.nlink).toBe(3);
    expect(readlinkSync(join(into, "long-link"))).toBe(LONG_TARGET);
  });

  it("writes sorted entries, inode numbers 1..n, link counts, 4-byte alignment and the trailer", () => {
    const walked = headers(bytes);
    const names = walked.map((h) => h.name);
    expect(names.at(-1)).toBe("TRAILER!!!");
    const paths = names.slice(0, -1);
    expect(paths).toEqual([...paths].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const group = walked.filter((h) => ["etc/init.d/rcS", "etc/rcS-link", "usr/bin/rcS-link"].includes(h.name));
    expect(new Set(group.map((h) => h.ino)).size).toBe(1);
    expect(group.map((h) => h.nlink)).toEqual([3, 3, 3]);
    // Only the last name of a hard-link group carries the bytes (GNU cpio's convention).
    expect(group.map((h) => h.size)).toEqual([0, 0, 18]);
    const inodes = [...new Set(walked.slice(0, -1).map((h) => h.ino))];
    expect(inodes).toEqual(inodes.map((_, i) => i + 1));
    expect(bytes.length % 4).toBe(0);
  });

  it("agrees with listing() on every mode string", () => {
    const lines = listing(manifest).split("\n").slice(0, -1);
    const paths = manifest.map((e) => e.path).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(lines.map((line) => line.slice(0, 10))).toEqual(paths.map((p) => SAMPLE_MODES[p]));
  });
});

describe("writeCpio archive order: programs first, small files last", () => {
  /** The sample plus two programs (one hard-linked) and a small file beside one of them. */
  function withPrograms(motd: string): ManifestEntry[] {
    return [
      ...sampleManifest(),
      { kind: "dir", path: "sbin", mode: 0o755 },
      { kind: "file", path: "sbin/openrc", mode: 0o755, data: fixedBytes(BULK_FILE_BYTES, 5) },
      { kind: "hardlink", path: "sbin/openrc-init", target: "sbin/openrc" },
      { kind: "file", path: "sbin/small", mode: 0o755, data: fixedBytes(BULK_FILE_BYTES - 1, 6) },
      { kind: "dir", path: "usr/lib", mode: 0o755 },
      { kind: "dir", path: "usr/lib/rc", mode: 0o755 },
      { kind: "file", path: "usr/lib/rc/helper", mode: 0o755, data: fixedBytes(70_000, 7) },
      { kind: "file", path: "etc/motd", mode: 0o644, data: new TextEncoder().encode(motd) },
    ];
  }
  const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

  it("writes the files of at least BULK_FILE_BYTES, their hard links and their parents first, then the rest, each part sorted", () => {
    const names = headers(writeCpio(withPrograms("hello\n"))).map((h) => h.name).slice(0, -1);
    const head = ["sbin", "sbin/openrc", "sbin/openrc-init", "usr", "usr/lib", "usr/lib/rc", "usr/lib/rc/helper"];
    expect(names.slice(0, head.length)).toEqual(head);
    const tail = names.slice(head.length);
    expect(tail).toEqual([...tail].sort(byteOrder));
    expect(tail).toContain("sbin/small");
    expect(new Set(names).size).toBe(names.length);
  });

  it("lists every parent directory before its children (the kernel creates entries in archive order)", () => {
    const names = headers(writeCpio(withPrograms("hello\n"))).map((h) => h.name).slice(0, -1);
    const seen = new Set<string>();
    for (const name of names) {
      const slash = name.lastIndexOf("/");
      if (slash !== -1) expect(seen.has(name.slice(0, slash)), `${name} after its parent`).toBe(true);
      seen.add(name);
    }
  });

  it("keeps the bytes before the small files when only a small file changes (inode numbers included)", () => {
    const before = writeCpio(withPrograms("hello\n"));
    const after = writeCpio(withPrograms("hello, a longer message of the day\n"));
    // The head ends where the first small entry ("bin") starts: everything up to there is the same bytes.
    const headBytes = headers(before).find((h) => h.name === "bin")?.offset ?? 0;
    expect(headBytes).toBeGreaterThan(BULK_FILE_BYTES + 70_000);
    expect(Buffer.compare(before.subarray(0, headBytes), after.subarray(0, headBytes))).toBe(0);
    expect(Buffer.compare(before, after)).not.toBe(0);
  });

  it("unpacks to the same tree as the sorted order would (GNU cpio)", () => {
    const into = join(scratch, "programs");
    runToolOk("sh", ["-c", `mkdir -p "$1"`, "sh", into]);
    runToolOk("cpio", ["-id", "--quiet", "--no-absolute-filenames", "-F", archive(withPrograms("hello\n"), "programs.cpio"), "-f", "dev/*"], { cwd: into });
    expect(lstatSync(join(into, "sbin/openrc-init")).ino).toBe(lstatSync(join(into, "sbin/openrc")).ino);
    expect(Buffer.compare(readFileSync(join(into, "sbin/openrc-init")), Buffer.from(fixedBytes(BULK_FILE_BYTES, 5)))).toBe(0);
    expect(readFileSync(join(into, "usr/lib/rc/helper")).length).toBe(70_000);
    expect(readFileSync(join(into, "etc/motd"), "utf8")).toBe("hello\n");
  });
});

describe("writeCpio determinism and mtime", () => {
  it("gives identical bytes for the same manifest, twice and in any input order", () => {
    const manifest = sampleManifest();
    const first = writeCpio(manifest);
    expect(Buffer.compare(first, writeCpio(sampleManifest()))).toBe(0);
    expect(Buffer.compare(first, writeCpio([...manifest].reverse()))).toBe(0);
    const interleaved = manifest.filter((_, i) => i % 2 === 1).concat(manifest.filter((_, i) => i % 2 === 0));
    expect(Buffer.compare(first, writeCpio(interleaved))).toBe(0);
  });

  it("stamps every entry with the given mtime (SOURCE_DATE_EPOCH), and only that changes", () => {
    const manifest = sampleManifest();
    const path = archive(manifest, "mtime.cpio", 1_700_000_000);
    const rows = parseListing(runToolOk("bsdtar", ["-tvf", path]).toString("utf8"));
    for (const row of rows.values()) expect(row.date, row.name).toBe("Nov 14 2023");
    const into = join(scratch, "mtime");
    runToolOk("sh", ["-c", `mkdir -p "$1"`, "sh", into]);
    runToolOk("cpio", ["-idm", "--quiet", "--no-absolute-filenames", "-F", path, "-f", "dev/*"], { cwd: into });
    expect(lstatSync(join(into, "etc/shadow")).mtimeMs).toBe(1_700_000_000_000);
    const a = writeCpio(manifest);
    const b = writeCpio(manifest, { mtime: 1_700_000_000 });
    expect(a.length).toBe(b.length);
    expect(Buffer.compare(a, b)).not.toBe(0);
  });
});
