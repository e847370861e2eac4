// Turns a stage's tar output (the OpenRC stage's openrc.tar) into manifest entries, parsed in place (no tar library, no copies).
import { UserError } from "../errors/errors.js";
import type { ManifestEntry } from "./manifest.js";
import { comparePaths, pathProblem, targetProblem } from "./paths.js";

const BLOCK = 512;

/** The kinds of entry by typeflag, named as tar-stream and GNU tar's documentation name them. */
const TYPES: Readonly<Record<string, string>> = {
  "0": "file", "\0": "file", "7": "contiguous-file", "1": "link", "2": "symlink",
  "3": "character-device", "4": "block-device", "5": "directory", "6": "fifo",
};

/** One header, its extensions (GNU long names, pax records) applied. */
interface Header {
  readonly name: string;
  readonly type: string;
  readonly mode: number;
  readonly linkname: string;
  readonly devmajor: number;
  readonly devminor: number;
}

class TarFormatError extends Error {}

/** "./usr/bin/" → "usr/bin"; "." and "./" (the archive root) → "". */
function imagePath(name: string): string {
  let path = name;
  while (path.startsWith("./")) path = path.slice(2);
  while (path.endsWith("/")) path = path.slice(0, -1);
  return path === "." ? "" : path;
}

/** A NUL-terminated (or full-width) text field. */
function text(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return Buffer.from(field.buffer, field.byteOffset, end < 0 ? length : end).toString("utf8");
}

/** An octal number field (spaces and NULs around it), or GNU's base-256 form (first byte 0x80). */
function number(block: Uint8Array, offset: number, length: number, what: string): number {
  const field = block.subarray(offset, offset + length);
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const digits = Buffer.from(field.buffer, field.byteOffset, length).toString("latin1").replace(/[\0 ]+$/, "").replace(/^[ ]+/, "");
  if (digits === "") return 0;
  if (!/^[0-7]+$/.test(digits)) throw new TarFormatError(`${what} is not an octal number (${JSON.stringify(digits)})`);
  return parseInt(digits, 8);
}

/** pax extended header records: "<length> <key>=<value>\n", each. */
function paxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at < bytes.length && bytes[at] !== 0) {
    const space = bytes.indexOf(0x20, at);
    const length = space < 0 ? NaN : Number(bytes.toString("latin1", at, space));
    if (!Number.isInteger(length) || length <= 0 || at + length > bytes.length) throw new TarFormatError("a pax header record has no valid length");
    const record = bytes.toString("utf8", space + 1, at + length - 1);
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return records;
}

/** The entries' headers and data (views into `tar`), in archive order. */
function* tarEntries(tar: Uint8Array): Generator<{ header: Header; data: Uint8Array }> {
  let offset = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax = new Map<string, string>();
  let globalPax = new Map<string, string>();
  while (offset + BLOCK <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) return;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    const recorded = number(block, 148, 8, "the header checksum");
    if (sum !== recorded) throw new TarFormatError(`the header at byte ${offset} has checksum ${recorded}, its bytes sum to ${sum}`);
    const flag = String.fromCharCode(block[156]!);
    const extended = new Map([...globalPax, ...pax]);
    const size = extended.has("size") ? Number(extended.get("size")) : number(block, 124, 12, "the size");
    const start = offset + BLOCK;
    if (!Number.isSafeInteger(size) || start + size > tar.length) throw new TarFormatError(`the entry at byte ${offset} runs past the end of the archive`);
    const data = tar.subarray(start, start + size);
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
    const nulTrimmed = () => text(data, 0, data.length);
    if (flag === "L") longName = nulTrimmed();
    else if (flag === "K") longLink = nulTrimmed();
    else if (flag === "x") pax = paxRecords(data);
    else if (flag === "g") globalPax = new Map([...globalPax, ...paxRecords(data)]);
    else {
      // POSIX ustar splits long names into prefix + name; GNU's format keeps other fields there.
      const posix = text(block, 257, 6) === "ustar" && block[263] === 0x30;
      const prefix = posix ? text(block, 345, 155) : "";
      const name = extended.get("path") ?? longName ?? (prefix === "" ? text(block, 0, 100) : `${prefix}/${text(block, 0, 100)}`);
      yield {
        header: {
          name,
          type: TYPES[flag] ?? `'${flag}'`,
          mode: number(block, 100, 8, "the mode"),
          linkname: extended.get("linkpath") ?? longLink ?? text(block, 157, 100),
          devmajor: number(block, 329, 8, "the device major"),
          devminor: number(block, 337, 8, "the device minor"),
        },
        data,
      };
      longName = null;
      longLink = null;
      pax = new Map();
    }
  }
  if (tar.length === 0) throw new TarFormatError("it is empty");
  if (offset < tar.length) throw new TarFormatError(`it ends inside a header (byte ${offset} of ${tar.length})`);
}

function toEntry(header: Header, path: string, data: Uint8Array, source: string): ManifestEntry {
  const mode = header.mode & 0o7777;
  const where = `${source}: entry "${header.name}"`;
  switch (header.type) {
    case "directory":
      return { kind: "dir", path, mode };
    case "file":
    case "contiguous-file":
      return { kind: "file", path, mode, data };
    case "symlink": {
      const target = header.linkname;
      const problem = targetProblem(target);
      if (problem !== null) throw new UserError(`${where}: expected a symlink target, got ${problem}`);
      return { kind: "symlink", path, target };
    }
    case "link":
      return { kind: "hardlink", path, target: imagePath(header.linkname) };
    case "character-device":
    case "block-device":
      return {
        kind: "device",
        path,
        mode,
        type: header.type === "character-device" ? "char" : "block",
        major: header.devmajor,
        minor: header.devminor,
      };
    default:
      throw new UserError(`${where}: expected a directory, file, symlink, hard link or device, got type ${header.type}`);
  }
}

/**
 * Entries of a tar archive, sorted by path: modes keep their permission bits, hard links
 * stay hard links (to an earlier file entry), the archive root ("./") is skipped (the
 * image root is not an entry). Owners, times and other file types are not kept; a path
 * listed twice, an absolute or ".." path, or a corrupt archive throws UserError.
 */
export async function entriesFromTar(tar: Uint8Array, source = "openrc.tar"): Promise<ManifestEntry[]> {
  const byPath = new Map<string, ManifestEntry>();
  try {
    for (const { header, data } of tarEntries(tar)) {
      const path = imagePath(header.name);
      if (path === "" && header.type === "directory") continue;
      const problem = pathProblem(path);
      if (problem !== null) {
        throw new UserError(`${source}: entry "${header.name}": expected a relative path without '..', got ${problem}`);
      }
      const entry = toEntry(header, path, data, source);
      if (entry.kind === "hardlink" && byPath.get(entry.target)?.kind !== "file") {
        throw new UserError(`${source}: hard link "${path}": expected its target "${entry.target}" to be an earlier file in the archive, got ${byPath.get(entry.target)?.kind ?? "nothing"}`);
      }
      if (byPath.has(path)) throw new UserError(`${source}: expected each path once, got "${path}" twice`);
      byPath.set(path, entry);
    }
  } catch (error) {
    if (!(error instanceof TarFormatError)) throw error;
    throw new UserError(`expected ${source} to be a tar archive, got one that cannot be read: ${error.message}`, { cause: error });
  }
  return [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
}
