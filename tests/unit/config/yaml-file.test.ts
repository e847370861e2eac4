// parseConfigText: strict YAML with line numbers for keys, syntax errors and duplicate keys.
import { describe, expect, it } from "vitest";
import { lineOf, parseConfigText } from "../../../orchestrator/config/yaml-file.js";

describe("parseConfigText", () => {
  it("records the line of every key and sequence item", () => {
    const { layer, problems } = parseConfigText("/c.yaml", "# c\nkernel:\n  patches:\n    - a\n    - b\nvm: {cpus: 1}\n");
    expect(problems).toEqual([]);
    expect(layer?.value).toEqual({ kernel: { patches: ["a", "b"] }, vm: { cpus: 1 } });
    if (layer === null) throw new Error("expected a layer");
    expect(lineOf(layer, ["kernel"])).toBe(2);
    expect(lineOf(layer, ["kernel", "patches", 1])).toBe(5);
    expect(lineOf(layer, ["vm", "cpus"])).toBe(6);
    expect(lineOf(layer, ["vm", "memory"])).toBe(6);
    expect(lineOf(layer, ["absent"])).toBe(2);
  });

  it("gives up on syntax errors, with line and column", () => {
    const { layer, problems } = parseConfigText("/c.yaml", "a: 1\nb: c: d\n");
    expect(layer).toBeNull();
    expect(problems).toMatchObject([{ file: "/c.yaml", line: 2, column: 4, key: "" }]);
    expect(problems[0]?.message).toMatch(/^YAML syntax error: /);
  });

  it("points an unclosed quote or bracket at where it opens, not where the parser gave up", () => {
    const quote = parseConfigText("/c.yaml", 'name: x\nkernel:\n  cmdline: "console=ttyS0\nvm:\n  memory: 256M\n');
    expect(quote.layer).toBeNull();
    expect(quote.problems).toEqual([
      {
        file: "/c.yaml",
        line: 3,
        column: 12,
        key: "",
        message: 'YAML syntax error: Missing closing "quote (the quoted string that opens here is still open at the end of the file)',
      },
    ]);
    // Two constructs open at once: each error goes to the one it names.
    expect(parseConfigText("/c.yaml", "a: [1, 'x\n").problems.map((p) => [p.line, p.column, p.message.replace(/:.*\(/, ": (")])).toEqual([
      [1, 8, "YAML syntax error: (the quoted string that opens here is still open at the end of the file)"],
      [1, 4, "YAML syntax error: (the [ that opens here is still open at the end of the file)"],
    ]);
    // Open and given up on the same line: the parser's own position is already the right one.
    expect(parseConfigText("/c.yaml", 'a: "x').problems).toMatchObject([{ line: 1, column: 6, message: 'YAML syntax error: Missing closing "quote' }]);
  });

  it("rejects several documents and tabs as indentation", () => {
    expect(parseConfigText("/c.yaml", "a: 1\n---\nb: 2\n").problems).toMatchObject([{ line: 2, column: 1 }]);
    expect(parseConfigText("/c.yaml", "a:\n\tb: 1\n").layer).toBeNull();
  });

  it("reports duplicate keys by path but keeps the document", () => {
    const { layer, problems } = parseConfigText("/c.yaml", "vm:\n  cpus: 1\n  cpus: 2\n");
    expect(layer?.value).toEqual({ vm: { cpus: 2 } });
    expect(problems).toEqual([
      { file: "/c.yaml", line: 3, column: null, key: "vm.cpus", message: "expected each key once, got it again (first at line 2)" },
    ]);
  });

  it("treats unresolved tags as problems", () => {
    const { problems } = parseConfigText("/c.yaml", "name: !custom x\n");
    expect(problems).toMatchObject([{ line: 1, message: "YAML syntax error: Unresolved tag: !custom" }]);
  });
});
