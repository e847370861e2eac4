// The bench against the real engine: --help starts nothing, and Ctrl-C during its cold build leaves nothing behind.
// Cost in CI: about 15-25 s (the bench copies the pinned sources into its own cache, starts the cold
// build, and is interrupted as soon as its first stage container runs).
import { execa } from "execa";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../../orchestrator/util/package-root.js";

const BENCH = join(packageRoot, "dist", "bench", "main.js");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines = async (args: string[]) => String((await execa("docker", args)).stdout).split("\n").filter((line) => line !== "");

describe("npm run bench", () => {
  it("prints its options for --help and builds nothing", async () => {
    const before = await lines(["volume", "ls", "-q", "--filter", "name=levitate-bench-"]);
    const result = await execa("node", [BENCH, "--help"], { reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("usage: npm run bench -- [options]");
    expect(await lines(["volume", "ls", "-q", "--filter", "name=levitate-bench-"])).toEqual(before);
    const wrong = await execa("node", [BENCH, "--hlep"], { reject: false });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toBe("bench: Unknown option '--hlep'\nnpm run bench -- --help lists the options");
  });

  it("on Ctrl-C stops its cold build and removes its containers, volumes and project copy", async () => {
    const bench = execa("node", [BENCH, "--runs", "1", "--boot-runs", "1"], { reject: false, all: true });
    const prefix = `levitate-bench-${bench.pid}`;
    let output = "";
    bench.all?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    let ended = false;
    void bench.then(() => (ended = true));
    const deadline = Date.now() + 240_000;
    let stages: string[] = [];
    while (Date.now() < deadline && !ended) {
      stages = await lines(["ps", "-q", "--filter", `name=${prefix}-stage-`]);
      if (stages.length > 0) break;
      await sleep(500);
    }
    expect(stages.length, `a stage container of the bench's cold build should run\n${output}`).toBeGreaterThan(0);
    expect(await lines(["volume", "ls", "-q", "--filter", `name=${prefix}-`])).not.toEqual([]);
    const projectDir = /project copy in (\S+)/.exec(output)?.[1];
    expect(projectDir, output).toBeDefined();
    expect(existsSync(projectDir!)).toBe(true);

    bench.kill("SIGINT");
    const result = await bench;
    expect(result.exitCode, output).toBe(130);
    expect(output).toContain(`SIGINT: removed its containers, the volumes ${prefix}-* and the project copy`);
    expect(output).toContain("bench: stopped by SIGINT");
    expect(await lines(["ps", "-aq", "--filter", `name=${prefix}-`])).toEqual([]);
    expect(await lines(["ps", "-aq", "--filter", `label=levitate-docker.bench=${bench.pid}`])).toEqual([]);
    expect(await lines(["volume", "ls", "-q", "--filter", `name=${prefix}-`])).toEqual([]);
    expect(existsSync(projectDir!)).toBe(false);
  });
});
