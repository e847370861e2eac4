// Profile overlays: how a profile merges over the base config, and which file a merged key came from.
import type { ConfigPath } from "./problems.js";
import type { ConfigLayer } from "./yaml-file.js";
import { lineOf } from "./yaml-file.js";

type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Mappings merge key by key, recursively; scalars and sequences in the overlay replace the base's. */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (!isMapping(base) || !isMapping(overlay)) return overlay;
  const merged: Mapping = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(overlay)])) {
    const value = Object.hasOwn(overlay, key) ? mergeOverlay(own(base, key), own(overlay, key)) : own(base, key);
    // defineProperty, not assignment, so a "__proto__" key stays a plain key.
    Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}

function own(mapping: Mapping, key: string): unknown {
  return Object.hasOwn(mapping, key) ? mapping[key] : undefined;
}

/** Whether the merged value at `path` was set by the overlay (true) or the base (false). */
export function setByOverlay(path: ConfigPath, base: unknown, overlay: unknown): boolean {
  let fromBase = base;
  let fromOverlay = overlay;
  for (const part of path) {
    if (fromOverlay === undefined) return false;
    if (!isMapping(fromOverlay) || !isMapping(fromBase)) return true;
    fromBase = own(fromBase, String(part));
    fromOverlay = own(fromOverlay, String(part));
  }
  return fromOverlay !== undefined;
}

/** Maps key paths of the merged config back to the file and line that set them. */
export interface ConfigLocator {
  /** The file whose value is in the merged config at `path` (where a missing key should have been). */
  fileOf(path: ConfigPath): string;
  locate(path: ConfigPath): { file: string; line: number };
}

export function createLocator(base: ConfigLayer, overlay: ConfigLayer | null): ConfigLocator {
  const layerOf = (path: ConfigPath): ConfigLayer =>
    overlay !== null && setByOverlay(path, base.value, overlay.value) ? overlay : base;
  return {
    fileOf: (path) => layerOf(path).file,
    locate: (path) => {
      const layer = layerOf(path);
      return { file: layer.file, line: lineOf(layer, path) };
    },
  };
}
