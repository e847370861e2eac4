// Reads tests/boot/*.yaml: strict YAML, a strict zod schema, every problem reported at once as file:line key: message.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import * as z from "zod";
import type { ConfigPath, Problem } from "../config/problems.js";
import { describeValue, formatKeyPath, problemsError } from "../config/problems.js";
import { lineOf, parseConfigText } from "../config/yaml-file.js";
import { UserError } from "../errors/errors.js";
import { readErrorReason } from "../util/read-error.js";

/** One check: a shell command run in the guest and what it must produce. */
export interface BootCheck {
  readonly name: string;
  readonly run: string;
  readonly expect: {
    /** Default 0. */
    readonly exitCode: number;
    /** A substring the output must contain. */
    readonly output?: string;
    /** A regular expression (multiline: ^ and $ match at lines) the output must match. */
    readonly match?: RegExp;
  };
  /** Seconds for a KVM guest; multiplied by timeoutScale(accel) when run. */
  readonly timeoutSeconds: number;
  /** "file.yaml" the check came from, for reports. */
  readonly source: string;
}

export const DEFAULT_CHECK_TIMEOUT_SECONDS = 10;

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source, "m");
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected a valid regular expression" },
);

const checkSchema = z.strictObject({
  name: z.string({ message: "expected a string" }).min(1, { message: "expected a non-empty name" }),
  run: z.string({ message: "expected a string (a shell command)" }).min(1, { message: "expected a non-empty command" }),
  expect: z
    .strictObject({
      exitCode: z.number({ message: "expected a number" }).int({ message: "expected a whole number" }).min(0).max(255).optional(),
      output: z.string({ message: "expected a string" }).optional(),
      match: regexSource.optional(),
    })
    .optional(),
  timeout: z.number({ message: "expected a number of seconds" }).positive({ message: "expected more than 0 seconds" }).max(3600).optional(),
});

const fileSchema = z.strictObject({
  checks: z.array(checkSchema, { message: "expected a list of checks" }).min(1, { message: "expected at least one check" }),
});

const ALLOWED: Record<string, readonly string[]> = {
  file: Object.keys(fileSchema.shape),
  check: Object.keys(checkSchema.shape),
  expect: ["exitCode", "output", "match"],
};

/** Reads and validates one checks file; throws a UserError listing every problem. */
export async function loadBootChecks(file: string): Promise<BootCheck[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UserError(`expected a boot checks file at ${file}, got ${readErrorReason(error)}`, { cause: error });
  }
  return parseBootChecks(file, text);
}

export function parseBootChecks(file: string, text: string): BootCheck[] {
  const read = parseConfigText(file, text);
  if (read.layer === null || read.problems.length > 0) throw problemsError(`boot checks ${basename(file)}`, read.problems, { cwd: process.cwd() });
  const layer = read.layer;
  const at = (path: ConfigPath, message: string): Problem => ({ file, line: lineOf(layer, path), column: null, key: formatKeyPath(path), message });
  const result = fileSchema.safeParse(layer.value);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => {
      const path: ConfigPath = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
      if (issue.code === "unrecognized_keys") {
        const allowed = ALLOWED[path.length === 0 ? "file" : path[path.length - 1] === "expect" ? "expect" : "check"] ?? [];
        return issue.keys.map((key) => at([...path, key], `unknown key; expected one of: ${allowed.join(", ")}`));
      }
      const value = valueAt(layer.value, path);
      if (value === undefined) return [at(path, `missing required key (${issue.message})`)];
      const expected = issue.message.startsWith("expected") ? issue.message : `expected valid input (${issue.message})`;
      return [at(path, `${expected}, got ${describeValue(value)}`)];
    });
    throw problemsError(`boot checks ${basename(file)}`, problems, { cwd: process.cwd() });
  }
  const seen = new Map<string, number>();
  const duplicates: Problem[] = [];
  result.data.checks.forEach((check, index) => {
    const first = seen.get(check.name);
    if (first !== undefined) duplicates.push(at(["checks", index, "name"], `expected a unique name, got ${JSON.stringify(check.name)} again (also checks[${first}])`));
    else seen.set(check.name, index);
  });
  if (duplicates.length > 0) throw problemsError(`boot checks ${basename(file)}`, duplicates, { cwd: process.cwd() });
  return result.data.checks.map((check) => ({
    name: check.name,
    run: check.run,
    expect: {
      exitCode: check.expect?.exitCode ?? 0,
      ...(check.expect?.output === undefined ? {} : { output: check.expect.output }),
      ...(check.expect?.match === undefined ? {} : { match: new RegExp(check.expect.match, "m") }),
    },
    timeoutSeconds: check.timeout ?? DEFAULT_CHECK_TIMEOUT_SECONDS,
    source: basename(file),
  }));
}

function valueAt(raw: unknown, path: ConfigPath): unknown {
  let value = raw;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[String(part)];
  }
  return value;
}
