// build -> execute -> publish with the fake engine: what runs, what is cached, what a failure says, what out/ gets.
import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { build } from "../../../orchestrator/build/build.js";
import type { BuildOptions } from "../../../orchestrator/build/build.js";
import { StageError, UserError } from "../../../orchestrator/errors/errors.js";
import type { ProgressReporter } from "../../../orchestrator/progress/reporter.js";
import { FakeEngine, printingContainer, runResult } from "../../helpers/fake-engine.js";
import type { RunScript } from "../../helpers/fake-engine.js";
import { fakeProject } from "../../helpers/fake-project.js";
import type { FakeProject } from "../../helpers/fake-project.js";
import { DEFAULT_STAGE_FILES, stageContainers } from "../../helpers/fake-stages.js";

/** A reporter that keeps what it was told. */
function recorder(): ProgressReporter & { readonly events: string[] } {
  const events: string[] = [];
  return {
    events,
    plan: (stages) => events.push(`plan ${stages.map((s) => `${s.name}:${s.state}`).join(" ")}`),
    stageStarted: (name) => events.push(`started ${name}`),
    stageLog: () => undefined,
    stageFinished: (name, result) => events.push(`finished ${name} ${result.ok ? "ok" : `failed: ${result.detail}`}`),
    info: (message) => events.push(`info ${message}`),
    warn: (message) => events.push(`warn ${message}`),
    close: () => undefined,
  };
}

/** Stage containers that take 20 ms each and count how many ran at the same time at most. */
function countingStages(): { script: RunScript; most: () => number } {
  let running = 0;
  let most = 0;
  const script: RunScript = async (spec, runOptions) => {
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, 20));
    running--;
    return stageContainers()(spec, runOptions);
  };
  return { script, most: () => most };
}

let project: FakeProject;
let engine: FakeEngine;
beforeEach(async () => {
  project = await fakeProject("build");
  engine = new FakeEngine();
  engine.script = stageContainers();
});
afterEach(() => project.dispose());

const options = (extra: Partial<BuildOptions> = {}): BuildOptions => ({
  cwd: project.dir,
  env: project.env,
  mirror: project.mirror,
  flavour: "minimal",
  reporter: recorder(),
  engine,
  jobs: 2,
  ...extra,
});

const stagesRun = () => engine.runs.map((spec) => spec.labels?.["levitate-docker.stage"]);

describe("build (fake engine)", () => {
  it("runs every stage on a cold cache, then nothing; out/ gets the published files and metadata.json", async () => {
    const first = await build(options());
    expect(first.outcomes.map((o) => `${o.name}:${o.action}`)).toEqual(["busybox:run", "initramfs:run", "linux:run", "grub:run", "iso:run"]);
    // Two stages at a time by default: busybox and linux start together; iso waits for linux and grub.
    expect([...stagesRun()].sort()).toEqual(["busybox", "grub", "iso", "linux"]);
    expect(stagesRun().at(-1)).toBe("iso");
    expect((await readdir(project.out)).sort()).toEqual(expect.arrayContaining(["bzImage", "initramfs.cpio.gz", "levitate.iso", "metadata.json", "logs"]));
    expect(await readFile(join(project.out, "bzImage"), "utf8")).toBe("kernel 6.1.1\n");
    expect(await readFile(join(project.out, "levitate.iso"), "utf8")).toBe("iso TESTOS console=ttyS0\n");
    expect(first.published?.copied).toEqual(["initramfs.cpio.gz", "bzImage", "levitate.iso"]);
    // Each container stage got the toolchain image built once, its volumes and no network.
    expect(engine.imageStore.size).toBe(1);
    for (const spec of engine.runs) expect(spec.network).toBe("none");

    const runs = engine.runs.length;
    const written = await readFile(join(project.out, "metadata.json"), "utf8");
    const reporter = recorder();
    const second = await build(options({ reporter }));
    expect(second.outcomes.every((o) => o.action === "cached")).toBe(true);
    expect(engine.runs.length).toBe(runs);
    expect(reporter.events[0]).toBe("plan busybox:cached initramfs:cached linux:cached grub:cached iso:cached");
    expect(second.published?.copied).toEqual([]);
    // metadata.json describes exactly this build already: a no-op leaves out/ alone (it still says how its files were made).
    expect(await readFile(join(project.out, "metadata.json"), "utf8")).toBe(written);
    const metadata = JSON.parse(written) as { stages: { name: string; key: string; action: string }[] };
    expect(metadata.stages.map((s) => [s.name, s.key, s.action])).toEqual(second.plan.stages.map((s) => [s.name, s.key, "ran"]));

    // A published file gone wrong (resized) is copied again, and metadata.json rewritten.
    await writeFile(join(project.out, "bzImage"), "truncated");
    const third = await build(options());
    expect(third.published?.copied).toEqual(["bzImage"]);
    expect(await readFile(join(project.out, "bzImage"), "utf8")).toBe("kernel 6.1.1\n");
  });

  it("reruns only what an edit reaches, and publish copies only the files that changed", async () => {
    await build(options());
    await writeFile(join(project.dir, "config", "files", "etc", "motd"), "edited\n");
    const runs = engine.runs.length;
    const result = await build(options());
    expect(result.outcomes.map((o) => `${o.name}:${o.action}`)).toEqual(["busybox:cached", "initramfs:run", "linux:cached", "grub:cached", "iso:run"]);
    expect(stagesRun().slice(runs)).toEqual(["iso"]);
    expect(result.published?.copied).toEqual(["initramfs.cpio.gz", "levitate.iso"]);
    // The iso container was made while the initramfs ran (no tree to wait for), and it is the one that ran.
    expect(engine.prepared).toHaveLength(1);
    expect(engine.prepared[0]).toBe(engine.runs.at(-1)?.name);
    expect(engine.prepared[0]).toMatch(/-stage-iso-/);
  });

  it("runs the iso stage in a warm container when the engine offers one (config build.keep_warm), and no other stage", async () => {
    engine = new FakeEngine("ENGINE-1", { offerWarm: true });
    engine.script = stageContainers();
    await build(options());
    // A cold build: grub (no build tree either) is made ahead or run as usual; only iso is warm.
    expect(engine.warmed.map((w) => w.name)).toEqual([expect.stringMatching(/-stage-iso-/)]);
    expect(engine.warmed[0]?.idleSeconds).toBe(300);
    await writeFile(join(project.dir, "config", "files", "etc", "motd"), "edited\n");
    const result = await build(options());
    expect(result.outcomes.filter((o) => o.action === "run").map((o) => o.name)).toEqual(["initramfs", "iso"]);
    expect(engine.warmed).toHaveLength(2);
    expect(engine.prepared).toEqual([]);
    expect(await readFile(join(project.out, "levitate.iso"), "utf8")).toBe("iso TESTOS console=ttyS0\n");
  });

  it("with build.keep_warm 0 keeps no container warm: the iso container is made ahead and removed", async () => {
    engine = new FakeEngine("ENGINE-1", { offerWarm: true });
    engine.script = stageContainers();
    await appendFile(join(project.dir, "config", "levitate.yaml"), "\nbuild:\n  keep_warm: 0\n");
    await build(options());
    await writeFile(join(project.dir, "config", "files", "etc", "motd"), "edited\n");
    await build(options());
    expect(engine.warmed).toEqual([]);
    expect(engine.prepared).toEqual([expect.stringMatching(/-stage-iso-/)]);
  });

  it("removes the container it made ahead when the stage before it fails", async () => {
    await build(options());
    await writeFile(join(project.dir, "config", "files", "etc", "dynamic"), await readFile("/bin/sh"));
    const runs = engine.runs.length;
    const error = await build(options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(engine.runs.length).toBe(runs);
    expect(engine.prepared).toHaveLength(1);
    expect(engine.removed).toContain(`container ${engine.prepared[0]}`);
  });

  it("a failing stage says which, with its exit code, the last lines of its log and where the whole log is; nothing is cached", async () => {
    engine.script = async (spec, runOptions) => {
      if (spec.labels?.["levitate-docker.stage"] !== "busybox") return stageContainers()(spec, runOptions);
      runOptions.onOutput?.(Buffer.from("compiling\nld: undefined reference to `main'\n"), "stderr");
      return runResult(2);
    };
    const reporter = recorder();
    const error = await build(options({ reporter })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageError);
    const stageError = error as StageError;
    expect(stageError.message).toBe("stage busybox failed with exit code 2");
    expect(stageError.lastLines).toEqual(["compiling", "ld: undefined reference to `main'"]);
    expect(stageError.logPath).toBe(join(project.out, "logs", "busybox.log"));
    expect(await readFile(stageError.logPath!, "utf8")).toContain("undefined reference");
    expect(reporter.events).toContain("finished busybox failed: stage busybox failed with exit code 2");
    expect(existsSync(join(project.cache, "artifacts", "busybox")) ? await readdir(join(project.cache, "artifacts", "busybox")) : []).toEqual([]);
    expect(existsSync(join(project.out, "metadata.json"))).toBe(false);
  });

  it("--parallel 1 runs one stage after another, in the plan's order", async () => {
    const counted = countingStages();
    engine.script = counted.script;
    const reporter = recorder();
    await build(options({ parallel: 1, reporter }));
    expect(stagesRun()).toEqual(["busybox", "linux", "grub", "iso"]);
    expect(counted.most()).toBe(1);
    expect(reporter.events.filter((e) => e.startsWith("started"))).toEqual(["started busybox", "started initramfs", "started linux", "started grub", "started iso"]);
  });

  it("runs stages whose needs are built side by side, at most --parallel at once, the longest road to the ISO first", async () => {
    const counted = countingStages();
    engine.script = counted.script;
    // The last run's times: the kernel is the long one, so it starts first.
    const times = { busybox: 60_000, initramfs: 300, linux: 400_000, grub: 500, iso: 400 };
    await mkdir(project.cache, { recursive: true });
    await writeFile(
      join(project.cache, "timings.json"),
      JSON.stringify({ version: 1, stages: Object.fromEntries(Object.entries(times).map(([stage, ms]) => [stage, [{ key: null, ms, at: "2026-01-01T00:00:00.000Z" }]])) }),
    );
    const reporter = recorder();
    await build(options({ parallel: 2, reporter }));
    expect(counted.most()).toBe(2);
    expect(reporter.events.filter((e) => e.startsWith("started")).slice(0, 2)).toEqual(["started linux", "started busybox"]);
    expect(stagesRun().at(-1)).toBe("iso");
  });

  it("on a first build (nothing timed yet) the kernel starts first, by the stages' declared cold times", async () => {
    const counted = countingStages();
    engine.script = counted.script;
    const reporter = recorder();
    await build(options({ parallel: 2, reporter }));
    expect(counted.most()).toBe(2);
    expect(reporter.events.filter((e) => e.startsWith("started")).slice(0, 2)).toEqual(["started linux", "started busybox"]);
  });

  it("when a stage fails, the stages running beside it are stopped, say why, and the first failure is the error", async () => {
    engine.script = async (spec, runOptions) => {
      const stage = spec.labels?.["levitate-docker.stage"];
      if (stage === "linux") return printingContainer(["compiling\n"], null)(spec, runOptions);
      if (stage !== "busybox") return stageContainers()(spec, runOptions);
      await new Promise((resolve) => setTimeout(resolve, 30));
      runOptions.onOutput?.(Buffer.from("make: *** [Makefile] Error 1\n"), "stderr");
      return runResult(2);
    };
    const reporter = recorder();
    const error = await build(options({ parallel: 2, reporter })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageError);
    expect((error as Error).message).toBe("stage busybox failed with exit code 2");
    expect(reporter.events).toContain("finished linux failed: stopped: busybox failed");
    expect(reporter.events.filter((e) => e.startsWith("started")).sort()).toEqual(["started busybox", "started linux"]);
    for (const stage of ["busybox", "linux"]) {
      const dir = join(project.cache, "artifacts", stage);
      expect(existsSync(dir) ? await readdir(dir) : []).toEqual([]);
    }
  });

  it("a stage that does not leave a promised output fails, naming what is missing", async () => {
    const { bzImage: _dropped, ...linux } = DEFAULT_STAGE_FILES.linux!;
    engine.script = stageContainers({ ...DEFAULT_STAGE_FILES, linux });
    const error = await build(options({ only: ["linux"] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageError);
    expect((error as Error).message).toBe("stage linux finished but did not leave bzImage (it promises bzImage, kernel.config, kernel.release)");
  });

  it("refuses a dynamically linked program in the initramfs, naming it and the loader", async () => {
    engine.script = stageContainers({ ...DEFAULT_STAGE_FILES, busybox: { ...DEFAULT_STAGE_FILES.busybox!, busybox: await readFile("/bin/sh") } });
    const error = await build(options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe("1 file in the initramfs is not statically linked");
    expect((error as UserError).details[0]).toMatch(/^\/bin\/busybox: .*PT_INTERP/);
    expect(existsSync(join(project.cache, "artifacts", "initramfs")) ? await readdir(join(project.cache, "artifacts", "initramfs")) : []).toEqual([]);
  });

  it("a dry run plans without an engine and writes nothing", async () => {
    const result = await build(options({ dryRun: true, engine: undefined as never }));
    expect(result.plan.stages.map((s) => `${s.name}:${s.action}`)).toEqual(["busybox:run", "initramfs:run", "linux:run", "grub:run", "iso:run"]);
    expect(existsSync(project.out)).toBe(false);
    expect(engine.runs).toEqual([]);
  });
});
