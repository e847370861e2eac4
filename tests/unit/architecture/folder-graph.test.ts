// The folders of orchestrator/ import each other without a cycle, and only docker/load-dockerode.ts loads dockerode.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../helpers/cli.js";

const ROOT = join(REPO, "orchestrator");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Relative specifiers of static, type-only and dynamic imports. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)["'](\.[^"']+)["']/g)].map((m) => m[1]!);
}

const folderOf = (file: string) => relative(ROOT, file).split("/")[0]!;

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(ROOT)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const spec of importsOf(readFileSync(file, "utf8"))) {
      const to = folderOf(resolve(dirname(file), spec));
      if (to !== from && !to.startsWith("..")) edges.add(to);
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe("the folder graph of orchestrator/", () => {
  it("has no cycle (type imports and lazy imports included)", () => {
    const cycle = findCycle(folderGraph());
    expect(cycle === null ? "no cycle" : cycle.join(" -> ")).toBe("no cycle");
  });

  it("finds a cycle when there is one (the check can fail)", () => {
    expect(findCycle(new Map([["a", new Set(["b"])], ["b", new Set(["a"])]]))).toEqual(["a", "b", "a"]);
  });

  it("loads dockerode only in docker/load-dockerode.ts (for docker/engine.ts)", () => {
    const loads = (text: string) => /^import\s+(?!type)[^;]*["']dockerode["']/m.test(text) || /require\(["']dockerode["']\)/.test(text);
    const loaders = sourceFiles(ROOT).filter((f) => loads(readFileSync(f, "utf8")));
    expect(loaders.map((f) => relative(ROOT, f))).toEqual(["docker/load-dockerode.ts"]);
    const users = sourceFiles(ROOT).filter((f) => /from "\.\/load-dockerode\.js"|from "\.\.\/docker\/load-dockerode\.js"/.test(readFileSync(f, "utf8")));
    expect(users.map((f) => relative(ROOT, f))).toEqual(["docker/engine.ts"]);
  });
});
