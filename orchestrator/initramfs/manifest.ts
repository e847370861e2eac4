// What goes into the initramfs, as data: a list of entries the cpio writer serialises.

/**
 * Paths are relative to the image root, without a leading slash ("etc/inittab");
 * see paths.ts for the exact rules. Modes are permission bits only (0 to 0o7777):
 * the file type comes from `kind`. Owner and group are always 0 (root).
 */
export type ManifestEntry =
  | { readonly kind: "dir"; readonly path: string; readonly mode: number }
  | { readonly kind: "file"; readonly path: string; readonly mode: number; readonly data: Uint8Array }
  | { readonly kind: "symlink"; readonly path: string; readonly target: string }
  | {
      readonly kind: "device";
      readonly path: string;
      readonly mode: number;
      readonly type: "char" | "block";
      readonly major: number;
      readonly minor: number;
    }
  /**
   * A hard link to a "file" entry of the same manifest (`target` is that entry's path).
   * It shares the file's inode, mode and bytes; tar archives (openrc.tar) may carry these.
   */
  | { readonly kind: "hardlink"; readonly path: string; readonly target: string };

export type Manifest = readonly ManifestEntry[];

export type ManifestEntryKind = ManifestEntry["kind"];

/** A directory entry. */
export function dirEntry(path: string, mode = 0o755): ManifestEntry {
  return { kind: "dir", path, mode };
}

/** A regular file holding `text` as UTF-8. */
export function textFileEntry(path: string, text: string, mode = 0o644): ManifestEntry {
  return { kind: "file", path, mode, data: new TextEncoder().encode(text) };
}

/** A symbolic link; `target` is stored as written (relative or absolute). */
export function symlinkEntry(path: string, target: string): ManifestEntry {
  return { kind: "symlink", path, target };
}
