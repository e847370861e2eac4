// One shape for every config problem, and the single place they become text and a UserError.
import { isAbsolute, relative } from "node:path";
import { UserError } from "../errors/errors.js";

/** A key path into the config document: mapping keys and sequence indices. */
export type ConfigPath = readonly (string | number)[];

/** A problem found by validation, before it is tied to a file and line. */
export interface PathProblem {
  readonly path: ConfigPath;
  readonly message: string;
  /** Set when the value came from outside the YAML (e.g. "--mirror", "LEVITATE_MIRROR"). */
  readonly setting?: string;
}

/** A problem tied to where it was written. */
export interface Problem {
  /** Absolute path of the file, or null when the value did not come from a file. */
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  /** Dotted key path ("kernel.patches[1]"), a setting name, or "" for the whole file. */
  readonly key: string;
  readonly message: string;
}

/** Renders a key path the way users write it: `openrc.runlevels.boot[2]`. */
export function formatKeyPath(path: ConfigPath): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(part)) text += text === "" ? part : `.${part}`;
    else text += `${text === "" ? "" : "."}${JSON.stringify(part)}`;
  }
  return text;
}

/** A file path relative to cwd when it lies under cwd, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

/** `FILE:LINE KEY.PATH: message` for each problem, sorted by file (in the given order) then line. */
export function formatProblems(
  problems: readonly Problem[],
  options: { cwd: string; fileOrder?: readonly string[] },
): string[] {
  const order = options.fileOrder ?? [];
  const rank = (file: string | null): number => {
    if (file === null) return -1;
    const index = order.indexOf(file);
    return index === -1 ? order.length : index;
  };
  const sorted = [...problems].sort(
    (a, b) =>
      rank(a.file) - rank(b.file) ||
      (a.file ?? "").localeCompare(b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0),
  );
  return sorted.map((problem) => {
    let where = problem.file === null ? "" : displayPath(problem.file, options.cwd);
    if (where !== "" && problem.line !== null) where += `:${problem.line}`;
    if (where !== "" && problem.line !== null && problem.column !== null) where += `:${problem.column}`;
    const head = [where, problem.key].filter((part) => part !== "").join(" ");
    return `${head}: ${problem.message}`;
  });
}

/** The one error loadConfig throws for invalid config: a count in the message, the lines in details. */
export function problemsError(
  subject: string,
  problems: readonly Problem[],
  options: { cwd: string; fileOrder?: readonly string[] },
): UserError {
  const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
  return new UserError(`${subject}: ${count}`, { details: formatProblems(problems, options) });
}

/** How a value looks in "got ..." text: strings quoted, structures named. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  return String(value);
}
