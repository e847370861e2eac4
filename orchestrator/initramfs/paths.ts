// What a valid path inside the image is, and the one order every initramfs module sorts by.
import { UserError } from "../errors/errors.js";

/** Longest path in bytes: the kernel's PATH_MAX (4096) counts the NUL the newc name carries. */
export const MAX_PATH_BYTES = 4095;
/** Longest single path component in bytes (NAME_MAX). */
export const MAX_NAME_BYTES = 255;
/** Longest symlink target in bytes (the kernel refuses targets over PATH_MAX). */
export const MAX_TARGET_BYTES = 4095;

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const utf8Bytes = (text: string): number => Buffer.byteLength(text, "utf8");
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** Why `path` is not a valid image path ("etc/inittab"), or null when it is. */
export function pathProblem(path: string): string | null {
  if (path === "") return "an empty path";
  if (path.startsWith("/")) return "an absolute path";
  if (CONTROL_CHARACTER.test(path)) return "a path with a control character";
  if (path.endsWith("/")) return "a path ending in '/'";
  const bytes = utf8Bytes(path);
  if (bytes > MAX_PATH_BYTES) return `a path of ${bytes} bytes (at most ${MAX_PATH_BYTES})`;
  for (const component of path.split("/")) {
    if (component === "") return "a path with an empty component ('//')";
    if (component === "." || component === "..") return `a path with a '${component}' component`;
    const length = utf8Bytes(component);
    if (length > MAX_NAME_BYTES) return `a path component of ${length} bytes (at most ${MAX_NAME_BYTES})`;
  }
  return null;
}

/** Throws UserError unless `path` is a valid image path; `source` says where it came from. */
export function checkPath(path: string, source: string): void {
  const problem = pathProblem(path);
  if (problem !== null) {
    throw new UserError(
      `${source}: expected a relative path like "etc/inittab" without '.' or '..' components, got ${problem}: ${JSON.stringify(path)}`,
    );
  }
}

/** Why `target` cannot be a symlink target, or null when it can. */
export function targetProblem(target: string): string | null {
  if (target === "") return "an empty target";
  if (CONTROL_CHARACTER.test(target)) return "a target with a control character";
  const bytes = utf8Bytes(target);
  if (bytes > MAX_TARGET_BYTES) return `a target of ${bytes} bytes (at most ${MAX_TARGET_BYTES})`;
  return null;
}

/**
 * Byte-wise order of the UTF-8 paths: a parent ("a") always sorts before its children ("a/b").
 * Compared by UTF-16 code unit up to the first difference, which orders code points (and so UTF-8
 * bytes) alike unless a surrogate is involved: only then are the encoded bytes compared.
 */
export function comparePaths(a: string, b: string): number {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) return utf8Order(a, b);
    return x < y ? -1 : 1;
  }
  // A common prefix that ends inside a surrogate pair is not a common prefix of the bytes.
  const last = common === 0 ? 0 : a.charCodeAt(common - 1);
  if (last >= 0xd800 && last <= 0xdbff && a.length !== b.length) return utf8Order(a, b);
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** The parent directory of a valid image path, or null for a top-level name. */
export function parentPath(path: string): string | null {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? null : path.slice(0, slash);
}

/**
 * Where a symlink at `linkPath` pointing at `target` leads, as an image path ("" is the
 * root). Absolute targets start from the image root; ".." at the root stays there, as in Linux.
 */
export function resolveLinkTarget(linkPath: string, target: string): string {
  const parts = target.startsWith("/") ? [] : (parentPath(linkPath)?.split("/") ?? []);
  for (const component of target.split("/")) {
    if (component === "" || component === ".") continue;
    if (component === "..") parts.pop();
    else parts.push(component);
  }
  return parts.join("/");
}
