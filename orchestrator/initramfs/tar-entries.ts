// Turns a stage's tar output (the OpenRC stage's openrc.tar) into manifest entries.
import { extract } from "tar-stream";
import type { Header } from "tar-stream";
import { UserError } from "../errors/errors.js";
import type { ManifestEntry } from "./manifest.js";
import { comparePaths, pathProblem, targetProblem } from "./paths.js";

/** "./usr/bin/" → "usr/bin"; "." and "./" (the archive root) → "". */
function imagePath(name: string): string {
  let path = name;
  while (path.startsWith("./")) path = path.slice(2);
  while (path.endsWith("/")) path = path.slice(0, -1);
  return path === "." ? "" : path;
}

async function readAll(entry: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function toEntry(header: Header, path: string, data: Buffer, source: string): ManifestEntry {
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
      throw new UserError(`${where}: expected a directory, file, symlink, hard link or device, got type ${String(header.type)}`);
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
  const extractor = extract();
  extractor.end(Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength));
  try {
    for await (const item of extractor) {
      const data = await readAll(item);
      const path = imagePath(item.header.name);
      if (path === "" && item.header.type === "directory") continue;
      const problem = pathProblem(path);
      if (problem !== null) {
        throw new UserError(`${source}: entry "${item.header.name}": expected a relative path without '..', got ${problem}`);
      }
      const entry = toEntry(item.header, path, data, source);
      if (entry.kind === "hardlink" && byPath.get(entry.target)?.kind !== "file") {
        throw new UserError(`${source}: hard link "${path}": expected its target "${entry.target}" to be an earlier file in the archive, got ${byPath.get(entry.target)?.kind ?? "nothing"}`);
      }
      if (byPath.has(path)) throw new UserError(`${source}: expected each path once, got "${path}" twice`);
      byPath.set(path, entry);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`expected ${source} to be a tar archive, got one that cannot be read: ${(error as Error).message}`, { cause: error });
  }
  return [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
}
