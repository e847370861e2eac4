// Paths recorded in out/ name files relative to the project, with "/" separators on every platform.
import { relative, sep } from "node:path";

/** A project-relative path with "/" separators. */
export function projectPath(cwd: string, path: string): string {
  return relative(cwd, path).split(sep).join("/");
}
