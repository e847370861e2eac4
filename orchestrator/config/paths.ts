// Turns the paths written in the config into absolute ones, each relative to the file that set it.
import { dirname, join, resolve } from "node:path";
import type { ConfigLocator } from "./merge.js";
import type { ConfigPath } from "./problems.js";
import type { ConfigDocument } from "./schema.js";

/** A path as written and where it points; `setting` names a CLI flag or env variable it came from. */
export interface ResolvedPath {
  readonly written: string;
  readonly absolute: string;
  readonly path: ConfigPath;
  readonly setting?: string;
}

/** Absolute forms of the config's paths, for the sections that passed the schema. */
export interface ResolvedPaths {
  readonly fragment?: ResolvedPath;
  readonly patches?: readonly ResolvedPath[];
  readonly busyboxConfig?: ResolvedPath;
  readonly files?: ResolvedPath;
  /** The mirror in effect: --mirror, else LEVITATE_MIRROR, else `mirror:`; null when none. */
  readonly mirror: ResolvedPath | null;
}

/** `~` and `~/...` expand to home; anything else resolves against `baseDir`. */
export function expandPath(written: string, baseDir: string, home: string): string {
  if (written === "~") return home;
  if (written.startsWith("~/")) return join(home, written.slice(2));
  return resolve(baseDir, written);
}

export interface PathContext {
  readonly locator: ConfigLocator;
  readonly home: string;
  readonly cwd: string;
  /** --mirror from the CLI, then LEVITATE_MIRROR; both relative to cwd. */
  readonly mirrorFlag: string | null;
  readonly mirrorEnv: string | null;
}

/** The absolute form of the path written at `path`, relative to the file that set that key. */
export function resolveAt(path: ConfigPath, written: string, context: PathContext): string {
  return expandPath(written, dirname(context.locator.fileOf(path)), context.home);
}

export function resolveDocumentPaths(document: Partial<ConfigDocument>, context: PathContext): ResolvedPaths {
  const fromFile = (path: ConfigPath, written: string): ResolvedPath => ({
    written,
    path,
    absolute: resolveAt(path, written, context),
  });
  const fromCwd = (setting: string, written: string): ResolvedPath => ({
    written,
    path: [],
    setting,
    absolute: expandPath(written, context.cwd, context.home),
  });
  const { kernel, busybox, files, mirror } = document;
  let effectiveMirror: ResolvedPath | null = null;
  if (context.mirrorFlag !== null) effectiveMirror = fromCwd("--mirror", context.mirrorFlag);
  else if (context.mirrorEnv !== null) effectiveMirror = fromCwd("LEVITATE_MIRROR", context.mirrorEnv);
  else if (mirror !== undefined && mirror !== null) effectiveMirror = fromFile(["mirror"], mirror);
  return {
    ...(kernel && {
      fragment: fromFile(["kernel", "fragment"], kernel.fragment),
      patches: kernel.patches.map((patch, index) => fromFile(["kernel", "patches", index], patch)),
    }),
    ...(busybox && { busyboxConfig: fromFile(["busybox", "config"], busybox.config) }),
    ...(files !== undefined && { files: fromFile(["files"], files) }),
    mirror: effectiveMirror,
  };
}
