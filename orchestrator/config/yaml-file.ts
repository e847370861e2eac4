// Reads one YAML config file strictly and remembers the line of every key, so later problems can point at it.
import { readFile } from "node:fs/promises";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Node as YamlNode } from "yaml";
import type { ConfigPath, Problem } from "./problems.js";
import { formatKeyPath } from "./problems.js";

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
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : String(error);
    const problem = { file, line: null, column: null, key: "" };
    return { layer: null, problems: [{ ...problem, message: `expected a readable YAML file, got ${reason}` }] };
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
      problems.push({ file, line, column: col, key: "", message: `YAML syntax error: ${message}` });
    }
  }
  if (fatal) return { layer: null, problems };
  return { layer: { file, value: doc.toJS(), lines }, problems };
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
