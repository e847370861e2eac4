// `vm exec` arguments reach the guest as given: quoted words run through a real POSIX shell come back unchanged.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { guestCommandLine, quoteArg, shellLineHint } from "../../../orchestrator/vm/shell-quote.js";

/** Runs the quoted command line in /bin/sh the way the guest shell does (inside a subshell) and returns stdout and status. */
function runInShell(argv: readonly string[]): { stdout: string; status: number } {
  const line = `( ${guestCommandLine(argv)}\n) </dev/null`;
  try {
    return { stdout: execFileSync("/bin/sh", ["-c", line], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }), status: 0 };
  } catch (error) {
    const failed = error as { stdout: string; status: number };
    return { stdout: failed.stdout, status: failed.status };
  }
}

const PRINT_ARGS = ["sh", "-c", 'for a in "$@"; do printf "<%s>" "$a"; done', "argv0"];

describe("guest command line quoting", () => {
  it("keeps spaces, quotes, $, backslashes, globs, newlines and empty arguments as given", () => {
    const args = ["two words", "it's", '"double"', "$HOME", "$(echo no)", "`echo no`", "back\\slash", "*", "a\nb", "", "; exit 9", "é ü"];
    const { stdout, status } = runInShell([...PRINT_ARGS, ...args]);
    expect(status).toBe(0);
    expect(stdout).toBe(args.map((a) => `<${a}>`).join(""));
  });

  it("passes the exit status through: sh -c 'exit 7' exits 7", () => {
    expect(runInShell(["sh", "-c", "exit 7"]).status).toBe(7);
  });

  it("runs a single argument as one word, like docker exec (a shell line needs sh -c)", () => {
    expect(runInShell(["echo hi; exit 3"]).status).toBe(127);
  });

  it("quotes single quotes the POSIX way", () => {
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg("")).toBe("''");
  });

  it("refuses control characters the serial console would act on, naming the argument", () => {
    expect(() => guestCommandLine(["echo", "a\tb"])).toThrow("vm exec: argument 2 contains the control character 0x09");
    expect(() => guestCommandLine(["echo", "\u0003"])).toThrow("argument 2 contains the control character 0x03");
    expect(() => guestCommandLine([])).toThrow("expected a command after --");
  });

  it("hints at sh -c when one argument holding a shell line was not found as a program", () => {
    const line = "echo one; echo two";
    // The mistake, in a real shell: the whole line is one program name.
    expect(runInShell([line]).status).toBe(127);
    const hint = shellLineHint([line], 127, "dev");
    expect(hint).toBe(
      `hint: the one argument "echo one; echo two" was run as a program of that name (arguments are kept as given, like docker exec); for a shell line: levitate-docker vm exec dev -- sh -c 'echo one; echo two'`,
    );
    // What the hint suggests runs the line.
    expect(runInShell(["sh", "-c", line])).toEqual({ stdout: "one\ntwo\n", status: 0 });
    expect(shellLineHint([line], 0, "dev")).toBeNull();
    expect(shellLineHint([line], 1, "dev")).toBeNull();
    expect(shellLineHint(["nosuchprogram"], 127, "dev")).toBeNull();
    expect(shellLineHint(["ls", "a b"], 127, "dev")).toBeNull();
  });
});
