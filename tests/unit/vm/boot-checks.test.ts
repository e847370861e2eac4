// Boot check files (validation with file:line key errors), running checks against a fake shell, and JUnit output.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { loadBootChecks, parseBootChecks } from "../../../orchestrator/vm/boot-check-file.js";
import type { BootCheck } from "../../../orchestrator/vm/boot-check-file.js";
import { runBootChecks } from "../../../orchestrator/vm/boot-checks.js";
import { describeBootEvent } from "../../../orchestrator/vm/boot-events.js";
import type { CheckResult } from "../../../orchestrator/vm/boot-checks.js";
import { junitXml, writeJUnit } from "../../../orchestrator/vm/junit.js";
import { SerialConsole } from "../../../orchestrator/vm/serial-console.js";
import { FakeShell } from "../../helpers/fake-shell.js";

const BOOT_DIR = fileURLToPath(new URL("../../boot/", import.meta.url));

function problemsOf(text: string): string[] {
  try {
    parseBootChecks("/x/checks.yaml", text);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return [...(error as UserError).details];
  }
  throw new Error("expected a UserError");
}

describe("boot check files", () => {
  it("loads the shipped files", async () => {
    const basic = await loadBootChecks(join(BOOT_DIR, "basic.yaml"));
    expect(basic.map((c) => c.name)).toContain("kernel release");
    expect(basic.find((c) => c.name === "echo")).toEqual({
      name: "echo",
      run: "echo hello",
      expect: { exitCode: 0, output: "hello" },
      timeoutSeconds: 10,
      source: "basic.yaml",
    });
    const openrc = await loadBootChecks(join(BOOT_DIR, "openrc.yaml"));
    expect(openrc[0]?.run).toBe("rc-status --runlevel");
  });

  it("reports every problem at once with file, line and key", () => {
    const text = [
      "checks:",
      "  - name: a",
      "    run: true",
      "    expect: { exitCode: two, colour: red }",
      "  - name: a",
      "    timeout: -1",
      "    expect:",
      "      match: '(['",
      "extra: 1",
    ].join("\n");
    expect(problemsOf(text)).toEqual([
      "/x/checks.yaml:3 checks[0].run: expected a string (a shell command), got true",
      "/x/checks.yaml:4 checks[0].expect.exitCode: expected a number, got \"two\"",
      "/x/checks.yaml:4 checks[0].expect.colour: unknown key; expected one of: exitCode, output, match",
      "/x/checks.yaml:5 checks[1].run: missing required key (expected a string (a shell command))",
      "/x/checks.yaml:6 checks[1].timeout: expected more than 0 seconds, got -1",
      "/x/checks.yaml:8 checks[1].expect.match: expected a valid regular expression, got \"([\"",
      "/x/checks.yaml:9 extra: unknown key; expected one of: checks",
    ]);
  });

  it("rejects duplicate names and YAML syntax errors", () => {
    expect(problemsOf("checks:\n  - { name: a, run: x }\n  - { name: a, run: y }\n")).toEqual([
      '/x/checks.yaml:3 checks[1].name: expected a unique name, got "a" again (also checks[0])',
    ]);
    expect(problemsOf("checks: [\n")[0]).toMatch(/^\/x\/checks\.yaml:\d+:\d+: YAML syntax error/);
  });
});

const check = (name: string, run: string, expectation: Partial<BootCheck["expect"]> = {}, timeoutSeconds = 2): BootCheck => ({
  name,
  run,
  expect: { exitCode: 0, ...expectation },
  timeoutSeconds,
  source: "unit.yaml",
});

describe("runBootChecks", () => {
  it("passes and fails checks on exit code, substring and regex; recovers from a timeout", async () => {
    const shell = new FakeShell();
    const console = new SerialConsole({ output: shell.output, input: shell.input });
    await console.waitForShell(5000);
    const lines: string[] = [];
    const results = await runBootChecks({
      console,
      timeoutScale: 0.1,
      onResult: (result) => lines.push(describeBootEvent({ type: "check", result })),
      checks: [
        check("release", "uname -r", { match: /^\d+\.\d+\.\d+/m }),
        check("init", "cat /proc/1/comm", { output: "init" }),
        check("wrong code", "false"),
        check("wrong text", "echo bye", { output: "hello", match: /^hello$/m }),
        check("slow", "sleep 1", {}, 2),
        check("after the timeout", "echo still here", { output: "still here" }),
      ],
    });
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      ["release", true],
      ["init", true],
      ["wrong code", false],
      ["wrong text", false],
      ["slow", false],
      ["after the timeout", true],
    ]);
    expect(results[2]?.failures).toEqual(["expected exit code 0, got 1"]);
    expect(results[3]?.failures).toEqual([
      'expected the output to contain "hello", got "bye\\n"',
      'expected the output to match /^hello$/, got "bye\\n"',
    ]);
    expect(results[4]?.failures).toEqual(["did not finish within 0.2 s"]);
    expect(lines[0]).toMatch(/^pass release \(/);
    expect(lines[2]).toBe("FAIL wrong code: expected exit code 0, got 1");
  });

  it("marks the remaining checks as not run when the VM stops", async () => {
    const shell = new FakeShell();
    const console = new SerialConsole({ output: shell.output, input: shell.input });
    await console.waitForShell(5000);
    const results = await runBootChecks({
      console,
      timeoutScale: 1,
      checks: [check("panic", "crash"), check("next", "echo x")],
    });
    expect(results.map((r) => r.failures)).toEqual([["the VM stopped while it ran"], ["not run: the VM stopped during panic"]]);
  });
});

describe("JUnit", () => {
  const results: CheckResult[] = [
    { name: "ok", command: "echo hi", passed: true, durationMs: 120, exitCode: 0, output: "hi\n", failures: [], source: "basic.yaml" },
    {
      name: 'quotes "&" <tags>',
      command: "printf '\\033[1m'",
      passed: false,
      durationMs: 1500,
      exitCode: 1,
      output: "\x1b[1mbold\x00 & <b>",
      failures: ['expected exit code 0, got 1', 'expected the output to contain "x", got "bold"'],
      source: "basic.yaml",
    },
  ];

  it("renders escaped, well-formed XML with counts and times", () => {
    const xml = junitXml(results, "levitate boot", { timestamp: new Date("2025-01-02T03:04:05.678Z") });
    expect(xml).toContain('<testsuites name="levitate boot" tests="2" failures="1" errors="0" time="1.620">');
    expect(xml).toContain('timestamp="2025-01-02T03:04:05"');
    expect(xml).toContain('<testcase name="quotes &quot;&amp;&quot; &lt;tags&gt;" classname="levitate boot.basic" time="1.500">');
    expect(xml).toContain('<failure message="expected exit code 0, got 1; expected the output to contain &quot;x&quot;, got &quot;bold&quot;" type="BootCheckFailure">');
    expect(xml).not.toMatch(/[\x00\x1b]/);
  });

  it("writes a file that an XML parser accepts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "junit-"));
    try {
      const file = join(dir, "report.xml");
      await writeJUnit(results, "levitate boot", file);
      const parsed = execFileSync("python3", [
        "-c",
        "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); s = r.find('testsuite'); print(r.tag, s.get('tests'), len(s.findall('testcase')), len(s.findall('testcase/failure')))",
        file,
      ]).toString();
      expect(parsed.trim()).toBe("testsuites 2 2 1");
      expect(await readFile(file, "utf8")).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
