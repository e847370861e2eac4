// Serialises a Manifest as an SVR4 "newc" cpio archive (magic 070701), the format the kernel unpacks as initramfs.
import { UserError } from "../errors/errors.js";
import type { Manifest, ManifestEntry } from "./manifest.js";
import { checkManifest } from "./manifest-check.js";
import { parentPath } from "./paths.js";

export interface CpioOptions {
  /** Modification time of every entry, in seconds since the epoch (SOURCE_DATE_EPOCH). Default 0. */
  readonly mtime?: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const MAX_FIELD = 0xffff_ffff;
const TRAILER = "TRAILER!!!";

interface Header {
  readonly ino: number;
  readonly mode: number;
  readonly nlink: number;
  readonly mtime: number;
  readonly size: number;
  readonly rdevMajor: number;
  readonly rdevMinor: number;
}

function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** The header's 13 fields after the magic, in order. */
function headerFields(header: Header, nameBytes: number): number[] {
  return [header.ino, header.mode, 0, 0, header.nlink, header.mtime, header.size, 0, 0, header.rdevMajor, header.rdevMinor, nameBytes, 0];
}

const MAGIC = "070701";
/** The magic and 13 fields of 8 hex digits. */
const HEADER_BYTES = MAGIC.length + 13 * 8;

/** Bytes of a header with this name: the fields, the name and its NUL, padded to 4. */
function headerLength(name: Buffer): number {
  return HEADER_BYTES + name.length + 1 + padding(HEADER_BYTES + name.length + 1);
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, "0");
}

/** Header + NUL-terminated name, padded to 4 bytes, written into `out` at `at`; returns where it ends. */
function writeHeader(out: Buffer, at: number, name: Buffer, header: Header): number {
  // One string and one write: quick also in a short-lived process (a byte loop runs uncompiled there).
  out.write(MAGIC + headerFields(header, name.length + 1).map(hex8).join(""), at, "latin1");
  name.copy(out, at + HEADER_BYTES);
  // The NUL after the name and the padding are the zeroes `out` was allocated with.
  return at + headerLength(name);
}

function checkMtime(mtime: number): number {
  if (!Number.isInteger(mtime) || mtime < 0 || mtime > MAX_FIELD) {
    throw new UserError(`expected the initramfs mtime (SOURCE_DATE_EPOCH) to be a whole number of seconds from 0 to ${MAX_FIELD}, got ${mtime}`);
  }
  return mtime;
}

/** The path of the "file" entry whose inode an entry uses (itself, or a hard link's target). */
function inodeKey(entry: ManifestEntry): string {
  return entry.kind === "hardlink" ? entry.target : entry.path;
}

/**
 * Link counts: a directory has 2 plus one per child directory; a file has one per name
 * (itself and every hard link to it); anything else has 1.
 */
function linkCounts(entries: readonly ManifestEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    if (entry.kind === "dir") counts.set(entry.path, (counts.get(entry.path) ?? 0) + 2);
    if (entry.kind === "dir" || entry.kind === "file" || entry.kind === "hardlink") {
      const key = entry.kind === "dir" ? parentPath(entry.path) : inodeKey(entry);
      if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Files of at least this many bytes (the programs) open the archive; see archiveOrder. */
export const BULK_FILE_BYTES = 16 * 1024;

/**
 * The order entries are written in: first the files of at least BULK_FILE_BYTES (and hard links
 * to them) with their ancestor directories, sorted by path; then everything else, sorted by path.
 * Parents come before their children in both parts (a tail entry's parent is in the head or
 * earlier in the tail). Small files change most (config/files, the layout, scripts), so an edit
 * changes only the archive's tail, and the compressed pieces before it can be reused (gzip.ts).
 * `sorted` is checkManifest's result.
 */
export function archiveOrder(sorted: readonly ManifestEntry[]): ManifestEntry[] {
  const byPath = new Map(sorted.map((entry) => [entry.path, entry]));
  const bulk = (entry: ManifestEntry): boolean => {
    const file = entry.kind === "hardlink" ? byPath.get(entry.target) : entry;
    return file?.kind === "file" && file.data.byteLength >= BULK_FILE_BYTES;
  };
  const head = new Set<string>();
  for (const entry of sorted) {
    if (!bulk(entry)) continue;
    head.add(entry.path);
    for (let parent = parentPath(entry.path); parent !== null && !head.has(parent); parent = parentPath(parent)) head.add(parent);
  }
  return [...sorted.filter((entry) => head.has(entry.path)), ...sorted.filter((entry) => !head.has(entry.path))];
}

/**
 * Writes `manifest` as a newc archive: entries in archiveOrder (parents first), owner and
 * group 0, one mtime for all, inode numbers 1..n in archive order, 4-byte padding, then
 * TRAILER!!!. The same manifest in any order gives the same bytes.
 *
 * Throws UserError (listing every problem) for duplicate or invalid paths, a parent that
 * is missing or not a directory (parents are never invented here), bad modes, device
 * numbers or symlink targets, and hard links whose target is not a file entry.
 *
 * Hard links share their file's inode; as GNU cpio does, only the last name of the group
 * in archive order carries the bytes, the others have size 0 (the kernel and cpio -i both
 * fill the data in through the link).
 */
export function writeCpio(manifest: Manifest, options: CpioOptions = {}): Buffer {
  const mtime = checkMtime(options.mtime ?? 0);
  const entries = archiveOrder(checkManifest(manifest));
  const byPath = new Map(entries.map((entry) => [entry.path, entry]));
  const nlinks = linkCounts(entries);
  const inodes = new Map<string, number>();
  const dataCarrier = new Map<string, string>();
  for (const entry of entries) {
    const key = inodeKey(entry);
    if (!inodes.has(key)) inodes.set(key, inodes.size + 1);
    dataCarrier.set(key, entry.path);
  }

  // Two passes, one allocation: every header, name and data block is written in place (the archive
  // of an OpenRC image has over a thousand entries; concatenating their pieces cost more than this).
  const records: { name: Buffer; header: Header; data: Uint8Array }[] = [];
  let total = 0;
  const add = (path: string, header: Header, data: Uint8Array) => {
    if (header.size > MAX_FIELD) throw new UserError(`/${path} is ${header.size} bytes: a newc archive holds files of at most ${MAX_FIELD} bytes`);
    const name = Buffer.from(path, "utf8");
    records.push({ name, header, data });
    total += headerLength(name) + data.byteLength + padding(data.byteLength);
  };
  for (const entry of entries) {
    const key = inodeKey(entry);
    const common = { ino: inodes.get(key) ?? 0, mtime, nlink: nlinks.get(key) ?? 1, rdevMajor: 0, rdevMinor: 0 };
    let data: Uint8Array = new Uint8Array(0);
    let mode: number;
    switch (entry.kind) {
      case "dir":
        mode = S_IFDIR | entry.mode;
        break;
      case "file":
      case "hardlink": {
        const file = byPath.get(key);
        if (file?.kind !== "file") throw new Error(`internal: hard link ${entry.path} lost its target`);
        mode = S_IFREG | file.mode;
        if (dataCarrier.get(key) === entry.path) data = file.data;
        break;
      }
      case "symlink":
        mode = S_IFLNK | 0o777;
        data = Buffer.from(entry.target, "utf8");
        break;
      case "device":
        mode = (entry.type === "char" ? S_IFCHR : S_IFBLK) | entry.mode;
        common.rdevMajor = entry.major;
        common.rdevMinor = entry.minor;
        break;
    }
    add(entry.path, { ...common, mode, size: data.byteLength }, data);
  }
  add(TRAILER, { ino: 0, mode: 0, nlink: 1, mtime: 0, size: 0, rdevMajor: 0, rdevMinor: 0 }, new Uint8Array(0));
  const out = Buffer.alloc(total);
  let at = 0;
  for (const { name, header, data } of records) {
    at = writeHeader(out, at, name, header);
    out.set(data, at);
    at += data.byteLength + padding(data.byteLength);
  }
  return out;
}
