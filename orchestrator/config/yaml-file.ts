// Reads one YAML config file strictly and remembers the line of every key, so later problems can point at it.
import { readFile } from "node:fs/promises";
import { LineCounter, isAlias, isCollection, isMap, isScalar, isSeq, parseDocument, visit } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import type { ConfigPath, Problem } from "./problems.js";
import { formatKeyPath } from "./problems.js";
import { readErrorReason } from "../util/read-error.js";

/** One parsed file: its plain value and the line each key path starts on. */
export interface ConfigLayer {
  /** Absolute path. */
  readonly file: string;
  readonly value: unknown;
  /** JSON of a key path -> 1-based line of that key (or sequence item). */
  readonly lines: ReadonlyMap<string, number>;
}

export interface ReadLayerResult {
  /** Null when the file could not be read or has YAML syntax errors (nothing further can be trusted). */
  readonly layer: ConfigLayer | null;
  readonly problems: readonly Problem[];
}

export function pathKey(path: ConfigPath): string {
  return JSON.stringify(path);
}

/** The line of the deepest key along `path` that the file has (line of the first key when none). */
export function lineOf(layer: ConfigLayer, path: ConfigPath): number {
  for (let length = path.length; length >= 0; length--) {
    const line = layer.lines.get(pathKey(path.slice(0, length)));
    if (line !== undefined) return line;
  }
  return 1;
}

export async function readConfigLayer(file: string): Promise<ReadLayerResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const problem = { file, line: null, column: null, key: "" };
    return { layer: null, problems: [{ ...problem, message: `expected a readable YAML file, got ${readErrorReason(error)}` }] };
  }
  return parseConfigText(file, text);
}

/** Parses YAML text: syntax errors (file:line:col) are fatal, duplicate keys are reported with their key path. */
export function parseConfigText(file: string, text: string): ReadLayerResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lines = new Map<string, number>();
  const keyPaths = new Map<number, ConfigPath>();
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.contents !== null && doc.contents.range) lines.set(pathKey([]), lineAt(doc.contents.range[0]));
  recordLines(doc.contents, [], lines, keyPaths, lineAt);

  const problems: Problem[] = [];
  let fatal = false;
  for (const issue of [...doc.errors, ...doc.warnings]) {
    const { line, col } = lineCounter.linePos(issue.pos[0]);
    const message = issue.message.replace(/ at line \d+, column \d+:?\s*$/s, "").split("\n")[0] ?? "";
    if (issue.code === "DUPLICATE_KEY") {
      const path = keyPaths.get(issue.pos[0]);
      const first = path === undefined ? undefined : firstLineOf(doc.contents, path, lineAt);
      const earlier = first === undefined ? "" : ` (first at line ${first})`;
      const key = path === undefined ? "" : formatKeyPath(path);
      problems.push({ file, line, column: null, key, message: `expected each key once, got it again${earlier}` });
    } else {
      fatal = true;
      // A quote or bracket left open is found only where the parser runs out (often the end of the
      // file): point at where it opens, which is where it is fixed, and say where the parser gave up.
      const open = unclosedAt(doc, text, issue.pos[0], issue.message);
      if (open === null) {
        problems.push({ file, line, column: col, key: "", message: `YAML syntax error: ${message}` });
      } else {
        const opened = lineCounter.linePos(open.start);
        const gaveUp = issue.pos[0] >= text.length ? "the end of the file" : `line ${line}, column ${col}`;
        const where = `the ${open.what} that opens here is still open at ${gaveUp}`;
        problems.push({ file, line: opened.line, column: opened.col, key: "", message: `YAML syntax error: ${message} (${where})` });
      }
    }
  }
  if (fatal) return { layer: null, problems };
  return { layer: { file, value: doc.toJS(), lines }, problems };
}

/**
 * The quoted string or flow collection (`[...]`, `{...}`) that is still open where a syntax error
 * was found (offset `at`), if it opens on an earlier line; null otherwise. The innermost one of the
 * kind the parser's message names wins.
 */
function unclosedAt(doc: Document, text: string, at: number, message: string): { start: number; what: string } | null {
  const open: { start: number; what: string }[] = [];
  visit(doc, (_key, node) => {
    const range = (node as YamlNode).range;
    if (!range || range[0] >= at || range[1] < at) return;
    const last = text[range[1] - 1];
    if (isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE")) {
      const quote = node.type === "QUOTE_DOUBLE" ? '"' : "'";
      if (range[1] - range[0] < 2 || last !== quote) open.push({ start: range[0], what: "quoted string" });
    } else if (isCollection(node) && node.flow) {
      const [opening, closing] = isMap(node) ? ["{", "}"] : ["[", "]"];
      if (text[range[0]] === opening && last !== closing) open.push({ start: range[0], what: opening });
    }
  });
  // The parser's message names the construct when it knows it (a quote, a flow sequence or map).
  const named = /quote/.test(message) ? "quoted string" : /Flow sequence/.test(message) ? "[" : /Flow map/.test(message) ? "{" : null;
  const innermost = open.filter((o) => named === null || o.what === named).sort((a, b) => b.start - a.start)[0];
  return innermost !== undefined && text.slice(innermost.start, at).includes("\n") ? innermost : null;
}

function keyName(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return key === null || key === undefined ? "" : String(key);
}

function recordLines(
  node: unknown,
  path: ConfigPath,
  lines: Map<string, number>,
  keyPaths: Map<number, ConfigPath>,
  lineAt: (offset: number) => number,
): void {
  if (isAlias(node)) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      const childPath = [...path, keyName(pair.key)];
      const start = rangeStart(pair.key) ?? rangeStart(pair.value);
      if (start !== undefined) {
        keyPaths.set(start, childPath);
        // With duplicate keys the last occurrence wins, as its value is the one toJS keeps.
        lines.set(pathKey(childPath), lineAt(start));
      }
      recordLines(pair.value, childPath, lines, keyPaths, lineAt);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const childPath = [...path, index];
      const start = rangeStart(item);
      if (start !== undefined) lines.set(pathKey(childPath), lineAt(start));
      recordLines(item, childPath, lines, keyPaths, lineAt);
    });
  }
}

/** Line of the first occurrence of the last key of `path` in its mapping. */
function firstLineOf(root: unknown, path: ConfigPath, lineAt: (offset: number) => number): number | undefined {
  let node = root;
  for (const [depth, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => keyName(item.key) === String(part));
      if (pair === undefined) return undefined;
      if (depth === path.length - 1) {
        const start = rangeStart(pair.key);
        return start === undefined ? undefined : lineAt(start);
      }
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number") {
      node = node.items[part];
    } else {
      return undefined;
    }
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}
