// docs/ci.md: its pipelines are valid YAML of the right shape and only use levitate-docker commands and flags that exist.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../../helpers/cli-in-process.js";
import { REPO } from "../config/workspace.js";

let blocks: unknown[];
beforeAll(async () => {
  const text = await readFile(join(REPO, "docs/ci.md"), "utf8");
  blocks = [...text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((match) => parse(match[1]!, { uniqueKeys: true }));
});

type Job = Record<string, unknown>;
const github = (): Record<string, any> => blocks.find((block: any) => block?.jobs !== undefined) as Record<string, any>;
const gitlab = (): Record<string, any> => blocks.find((block: any) => block?.levitate?.script !== undefined) as Record<string, any>;

/** Every `levitate-docker ...` invocation in a shell text, as argv after the program name. */
function invocations(shell: string): string[][] {
  return [...shell.matchAll(/(?:npx )?levitate-docker ([^\n|&;]+)/g)].map((match) => match[1]!.trim().split(/\s+/));
}

async function helpOf(command: string): Promise<string> {
  const result = await runMain([command, "--help"], REPO);
  expect(result.exitCode, `levitate-docker ${command} --help`).toBe(0);
  return result.stdout;
}

async function expectCommandsExist(argvs: readonly string[][]): Promise<void> {
  expect(argvs.length).toBeGreaterThanOrEqual(3);
  for (const [command, ...args] of argvs) {
    const help = await helpOf(command!);
    for (const flag of args.filter((arg) => arg.startsWith("--"))) {
      expect(help, `levitate-docker ${command} has no ${flag}`).toMatch(new RegExp(`(^|\\s)${flag}(\\s|$)`, "m"));
    }
  }
}

describe("docs/ci.md", () => {
  it("has a GitHub Actions workflow that builds, tests with JUnit, uploads and caches", async () => {
    const workflow = github();
    expect(workflow).toBeDefined();
    expect(Object.keys(workflow["on"])).toContain("push");
    const steps = Object.values(workflow["jobs"] as Record<string, Job>).flatMap((job) => job["steps"] as Job[]);
    const uses = steps.map((step) => String(step["uses"] ?? ""));
    expect(uses.some((use) => use.startsWith("actions/cache@"))).toBe(true);
    expect(uses.some((use) => use.startsWith("actions/upload-artifact@"))).toBe(true);
    const shell = steps.map((step) => String(step["run"] ?? "")).join("\n");
    const argvs = invocations(shell);
    expect(argvs.map((argv) => argv[0])).toEqual(expect.arrayContaining(["build", "test"]));
    expect(argvs.find((argv) => argv[0] === "test")).toContain("--junit");
    await expectCommandsExist(argvs);
  });

  it("has a GitLab CI job that builds, tests with a JUnit report and caches", async () => {
    const pipeline = gitlab();
    expect(pipeline).toBeDefined();
    const job = pipeline["levitate"] as Job;
    expect((job["artifacts"] as Job)["reports"]).toEqual({ junit: "out/junit.xml" });
    expect((job["cache"] as Job)["paths"]).toContain(".levitate-cache/");
    const argvs = invocations((job["script"] as string[]).join("\n"));
    expect(argvs.map((argv) => argv[0])).toEqual(expect.arrayContaining(["build", "test"]));
    await expectCommandsExist(argvs);
  });

  it("catches a flag that does not exist", async () => {
    await expect(expectCommandsExist([["build", "--no-such-flag"], ["test"], ["doctor"]])).rejects.toThrow(/has no --no-such-flag/);
  });
});
