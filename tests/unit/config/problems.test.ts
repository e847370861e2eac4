// formatProblems and friends: the exact text of problem lines.
import { describe, expect, it } from "vitest";
import type { Problem } from "../../../orchestrator/config/problems.js";
import { displayPath, formatKeyPath, formatProblems, problemsError } from "../../../orchestrator/config/problems.js";

const problem = (file: string | null, line: number | null, key: string, column: number | null = null): Problem => ({
  file,
  line,
  column,
  key,
  message: "expected a, got b",
});

describe("formatProblems", () => {
  it("writes FILE:LINE KEY: message, relative to cwd, sorted by file order then line", () => {
    const lines = formatProblems(
      [
        problem("/w/config/profiles/p.yaml", 2, "vm.cpus"),
        problem("/w/config/levitate.yaml", 12, "kernel.fragment"),
        problem("/w/config/levitate.yaml", 3, ""),
        problem("/elsewhere/x.yaml", 1, "name"),
        problem(null, null, "--mirror"),
        problem("/w/config/levitate.yaml", 4, "", 7),
      ],
      { cwd: "/w", fileOrder: ["/w/config/levitate.yaml", "/w/config/profiles/p.yaml"] },
    );
    expect(lines).toEqual([
      "--mirror: expected a, got b",
      "config/levitate.yaml:3: expected a, got b",
      "config/levitate.yaml:4:7: expected a, got b",
      "config/levitate.yaml:12 kernel.fragment: expected a, got b",
      "config/profiles/p.yaml:2 vm.cpus: expected a, got b",
      "/elsewhere/x.yaml:1 name: expected a, got b",
    ]);
  });

  it("makes one UserError with a count and the lines as details", () => {
    const error = problemsError("config/levitate.yaml", [problem("/w/a.yaml", 1, "k"), problem("/w/a.yaml", 2, "j")], {
      cwd: "/w",
    });
    expect(error.message).toBe("config/levitate.yaml: 2 problems");
    expect(error.details).toEqual(["a.yaml:1 k: expected a, got b", "a.yaml:2 j: expected a, got b"]);
  });
});

describe("formatKeyPath and displayPath", () => {
  it("renders indices in brackets and quotes odd keys", () => {
    expect(formatKeyPath(["openrc", "runlevels", "boot", 2])).toBe("openrc.runlevels.boot[2]");
    expect(formatKeyPath(["sources", "a.b"])).toBe('sources."a.b"');
    expect(formatKeyPath([])).toBe("");
  });

  it("keeps paths outside cwd absolute", () => {
    expect(displayPath("/w/config/levitate.yaml", "/w")).toBe("config/levitate.yaml");
    expect(displayPath("/other/levitate.yaml", "/w")).toBe("/other/levitate.yaml");
    expect(displayPath("/w-sibling/x.yaml", "/w")).toBe("/w-sibling/x.yaml");
  });
});
