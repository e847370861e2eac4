// The errors a user meets first: a YAML typo, a wrong sha256, no engine. Each is clear and leaves nothing behind.
import { readFile, writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { REPO, explain, runCli } from "../../helpers/cli.js";
import { copyProject, listFiles } from "../../helpers/project-copy.js";
import type { ProjectCopy } from "../../helpers/project-copy.js";

// The pin as the offline profile has it today (a hard-coded one silently stops matching when the version moves).
const BUSYBOX_SHA = (await loadConfig({ cwd: REPO, profile: "offline", env: { HOME: REPO } })).sources["busybox"]!.sha256;
const WRONG_SHA = "deadbeef".repeat(8);

describe("first errors", () => {
  let project: ProjectCopy | undefined;
  afterEach(async () => project?.dispose());

  it("a YAML typo names the file, the line and the key, and builds nothing", async () => {
    project = await copyProject("typo");
    const text = await readFile(project.configFile, "utf8");
    await writeFile(project.configFile, text.replace("  fragment: ../linux/levitate.config", "  fragmnet: ../linux/levitate.config"));
    const result = await runCli(["build", "--minimal", "--profile", "offline", "--config", project.configFile], { env: project.env });
    expect(result.exitCode, explain(result)).toBe(1);
    const line = text.split("\n").findIndex((l) => l.includes("fragment: ../linux")) + 1;
    expect(result.stderr).toContain(`levitate.yaml:${line} kernel.fragmnet`);
    expect(result.stderr).toMatch(/did you mean "fragment"/);
    expect(await listFiles(project.out)).toEqual([]);
  });

  it("a wrong sha256 is refused with both hashes, and nothing is kept in out/ or the cache", async () => {
    project = await copyProject("sha");
    const text = await readFile(project.configFile, "utf8");
    expect(text).toContain(BUSYBOX_SHA);
    await writeFile(project.configFile, text.replace(BUSYBOX_SHA, WRONG_SHA));
    const result = await runCli(["build", "--minimal", "--profile", "offline", "--config", project.configFile, "busybox"], { env: project.env });
    expect(result.exitCode, explain(result)).toBe(1);
    expect(result.stderr).toContain("sha256 mismatch");
    expect(result.stderr).toContain(WRONG_SHA);
    expect(result.stderr).toContain(BUSYBOX_SHA);
    expect(await listFiles(project.out)).toEqual([]);
    expect((await listFiles(project.cache)).filter((f) => f.startsWith("downloads/") || f.startsWith("artifacts/"))).toEqual([]);
  });

  it("a stopped engine says what was tried and how to start one, and nothing is kept", async () => {
    project = await copyProject("engine");
    const result = await runCli(["build", "--minimal", "--profile", "offline", "--config", project.configFile, "busybox"], {
      env: { ...project.env, DOCKER_HOST: "unix:///run/levitate-no-such-docker.sock" },
    });
    expect(result.exitCode, explain(result)).toBe(1);
    expect(result.stderr).toContain("cannot reach a Docker engine at unix:///run/levitate-no-such-docker.sock (DOCKER_HOST)");
    expect(result.stderr).toContain("Start a Docker engine");
    expect(await listFiles(project.out)).toEqual([]);
    expect((await listFiles(project.cache)).filter((f) => f.startsWith("artifacts/"))).toEqual([]);
  });

  it("an unknown stage or flag is a usage error that points at --help", async () => {
    const stage = await runCli(["build", "kernel"]);
    expect(stage.exitCode).toBe(1);
    expect(stage.stderr).toContain("unknown stage 'kernel'");
    const flag = await runCli(["test", "--frobnicate"]);
    expect(flag.exitCode).toBe(1);
    expect(flag.stderr).toContain("levitate-docker test --help");
  });

  it("a bad VM name is refused before anything is built", async () => {
    const result = await runCli(["vm", "start", "Bad name!", "--profile", "offline"], { timeoutMs: 60_000 });
    expect(result.exitCode, explain(result)).toBe(1);
    expect(result.stderr).toContain(`VM name must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit; got "Bad name!"`);
    expect(result.stderr).not.toContain("busybox");
  });

  it("an unwritable --junit, --boot-log or --serial-log path is refused before anything boots", async () => {
    project = await copyProject("outputs");
    const blocker = `${project.dir}/a-file`;
    await writeFile(blocker, "");
    for (const option of ["--junit", "--boot-log", "--serial-log"]) {
      const result = await runCli(["test", "--minimal", "--profile", "offline", "--config", project.configFile, option, `${blocker}/result`], { env: project.env, timeoutMs: 60_000 });
      expect(result.exitCode, explain(result)).toBe(1);
      expect(result.stderr).toContain(`test ${option} ${blocker}/result: cannot write there: a file stands where its directory ${blocker} would be`);
      expect(result.stdout).not.toContain("booted");
    }
    expect(await listFiles(project.out)).toEqual([]);
  });
});
