// Runs the zod schema and turns each issue into "expected ..., got ..." at its key path.
import * as z from "zod";
import { isMapping } from "./merge.js";
import type { ConfigPath, PathProblem } from "./problems.js";
import { describeValue } from "./problems.js";
import type { ConfigDocument } from "./schema.js";
import { configSchema } from "./schema.js";

export interface SchemaCheck {
  /** The whole document when it passed the schema, else null. */
  readonly complete: ConfigDocument | null;
  /** The top-level sections that passed on their own, so semantic rules can still check them. */
  readonly document: Partial<ConfigDocument>;
  /** The keys of `sources` as written (even when an entry is invalid), for checking references to them. */
  readonly sourceNames: readonly string[] | null;
  readonly problems: readonly PathProblem[];
}

export function checkSchema(raw: unknown): SchemaCheck {
  const result = configSchema.safeParse(raw);
  const sources = isMapping(raw) && Object.hasOwn(raw, "sources") ? raw["sources"] : undefined;
  const sourceNames = isMapping(sources) ? Object.keys(sources) : null;
  if (result.success) return { complete: result.data, document: result.data, sourceNames, problems: [] };
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, raw));
  // Unknown keys are already reported; without them, a section may still pass and get its semantic checks.
  const unknown = new Set(
    result.error.issues.flatMap((issue) =>
      issue.code === "unrecognized_keys" ? issue.keys.map((key) => JSON.stringify([...issue.path, key])) : [],
    ),
  );
  const salvaged = withoutPaths(raw, [], unknown);
  const sections: [string, unknown][] = [];
  if (isMapping(salvaged)) {
    for (const [key, schema] of Object.entries(configSchema.shape)) {
      const section = schema.safeParse(Object.hasOwn(salvaged, key) ? salvaged[key] : undefined);
      if (section.success) sections.push([key, section.data]);
    }
  }
  return { complete: null, document: Object.fromEntries(sections) as Partial<ConfigDocument>, sourceNames, problems };
}

/** A copy of `value` without the keys whose JSON paths are in `drop`. */
function withoutPaths(value: unknown, path: PropertyKey[], drop: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item, index) => withoutPaths(item, [...path, index], drop));
  if (!isMapping(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (drop.has(JSON.stringify([...path, key]))) continue;
    Object.defineProperty(copy, key, {
      value: withoutPaths(child, [...path, key], drop),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): PathProblem[] {
  const path: ConfigPath = issue.path.map((part) => (typeof part === "number" ? part : String(part)));
  const value = valueAt(raw, path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = allowedKeysAt(path) ?? [];
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown key; expected one of: ${allowed.join(", ")}${suggestion(key, allowed)}`,
      }));
    }
    case "invalid_type": {
      const expected = ownMessage(issue) ?? `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
      if (value === undefined) return [{ path, message: `missing required key (${expected})` }];
      const quote = issue.expected === "string" && (typeof value === "number" || typeof value === "boolean");
      return [{ path, message: `${expected}, got ${describeValue(value)}${quote ? " (put it in quotes)" : ""}` }];
    }
    case "invalid_value": {
      const values = issue.values.map((allowed) => JSON.stringify(allowed)).join(", ");
      return [{ path, message: `expected one of ${values}, got ${describeValue(value)}` }];
    }
    case "invalid_key": {
      const expected = (issue.issues[0] && ownMessage(issue.issues[0])) ?? "expected a valid key";
      return [{ path, message: `${expected} as key, got ${describeValue(path[path.length - 1])}` }];
    }
    default: {
      const expected = ownMessage(issue) ?? `expected valid input (${issue.message})`;
      return [{ path, message: `${expected}, got ${describeValue(value)}` }];
    }
  }
}

/** Our schema's messages start with "expected"; zod's own defaults do not. */
function ownMessage(issue: { readonly message: string }): string | null {
  return issue.message.startsWith("expected ") ? issue.message : null;
}

function valueAt(raw: unknown, path: ConfigPath): unknown {
  let value = raw;
  for (const part of path) {
    if (Array.isArray(value) && typeof part === "number") value = value[part];
    else if (isMapping(value) && Object.hasOwn(value, String(part))) value = value[String(part)];
    else return undefined;
  }
  return value;
}

/** The keys the schema allows in the mapping at `path`. */
function allowedKeysAt(path: ConfigPath): string[] | null {
  let schema: unknown = configSchema;
  for (const part of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, unknown>)[String(part)];
    else if (schema instanceof z.ZodRecord) schema = schema.valueType;
    else if (schema instanceof z.ZodArray) schema = schema.element;
    else return null;
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : null;
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable
  ) {
    current = current.unwrap();
  }
  return current;
}

/** ` (did you mean "fragment"?)` when an allowed key is a small typo away. */
function suggestion(key: string, allowed: readonly string[]): string {
  const close = allowed.filter(
    (candidate) => editDistance(key.toLowerCase(), candidate) <= Math.max(1, Math.floor(candidate.length / 3)),
  );
  return close.length === 1 ? ` (did you mean ${JSON.stringify(close[0])}?)` : "";
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
