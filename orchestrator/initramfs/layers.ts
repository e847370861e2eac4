// Merges the initramfs layers into one manifest, with one documented rule for every overlap.
import { UserError } from "../errors/errors.js";
import type { ManifestEntry } from "./manifest.js";
import { checkPath, comparePaths, parentPath } from "./paths.js";

/** One source of entries; `name` appears in error messages ("config/files (/path)"). */
export interface Layer {
  readonly name: string;
  readonly entries: readonly ManifestEntry[];
}

interface Placed {
  readonly entry: ManifestEntry;
  readonly layer: string;
}

function ancestors(path: string): string[] {
  const result: string[] = [];
  for (let parent = parentPath(path); parent !== null; parent = parentPath(parent)) result.push(parent);
  return result;
}

/**
 * Merges `layers` (lowest precedence first) into one sorted manifest without duplicates:
 * - the same path in two layers: the later layer's entry replaces the earlier one,
 *   except that a directory never replaces a directory (the first layer that creates a
 *   directory sets its mode; later ones only add children), so config/files, whose
 *   directories are all 0755, cannot loosen /root (0700) or /tmp (1777);
 * - a path listed twice within one layer is an error;
 * - a parent directory no layer provides is added as 0755;
 * - a parent that some layer made a non-directory (symlink, file) is an error naming both;
 * - a hard link keeps pointing at the file of its own layer: if a later layer replaced
 *   that file, the link becomes a copy of the file it meant.
 */
export function mergeLayers(layers: readonly Layer[]): ManifestEntry[] {
  const placed = new Map<string, Placed>();
  const meant = new Map<string, ManifestEntry>();
  for (const layer of layers) {
    const own = new Map<string, ManifestEntry>();
    for (const entry of layer.entries) {
      checkPath(entry.path, layer.name);
      if (own.has(entry.path)) throw new UserError(`${layer.name}: expected each path once, got "${entry.path}" twice`);
      own.set(entry.path, entry);
    }
    for (const entry of layer.entries) {
      if (entry.kind === "hardlink") {
        const target = own.get(entry.target);
        if (target?.kind !== "file") {
          throw new UserError(`${layer.name}: hard link "${entry.path}": expected its target "${entry.target}" to be a file of the same layer, got ${target?.kind ?? "nothing"}`);
        }
        meant.set(entry.path, target);
      }
      if (entry.kind === "dir" && placed.get(entry.path)?.entry.kind === "dir") continue;
      placed.set(entry.path, { entry, layer: layer.name });
    }
  }
  addParents(placed);
  return [...placed.values()]
    .map(({ entry }) => resolveHardlink(entry, placed, meant))
    .sort((a, b) => comparePaths(a.path, b.path));
}

function addParents(placed: Map<string, Placed>): void {
  for (const { entry, layer } of [...placed.values()]) {
    for (const parent of ancestors(entry.path)) {
      const existing = placed.get(parent);
      if (existing === undefined) {
        placed.set(parent, { entry: { kind: "dir", path: parent, mode: 0o755 }, layer: "(parent directory)" });
      } else if (existing.entry.kind !== "dir") {
        throw new UserError(
          `${layer}: "${entry.path}" expected "${parent}" to be a directory, got a ${existing.entry.kind} from ${existing.layer}`,
        );
      }
    }
  }
}

function resolveHardlink(
  entry: ManifestEntry,
  placed: ReadonlyMap<string, Placed>,
  meant: ReadonlyMap<string, ManifestEntry>,
): ManifestEntry {
  if (entry.kind !== "hardlink") return entry;
  const file = meant.get(entry.path);
  if (file === undefined || file.kind !== "file") throw new Error(`internal: hard link ${entry.path} has no target`);
  if (placed.get(file.path)?.entry === file) return entry;
  return { kind: "file", path: entry.path, mode: file.mode, data: file.data };
}
