// A throwaway project for the fault-injection suite: its own cache (the shared kernel artifact copied in), out dir and volumes.
import { execa } from "execa";
import type { ResultPromise } from "execa";
import { createHash } from "node:crypto";
import { appendFile, cp, readdir, readFile, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BIN, REPO } from "../../helpers/cli.js";
import type { CliResult } from "../../helpers/cli.js";
import { copyProject, listFiles } from "../../helpers/project-copy.js";
import type { ProjectCopy } from "../../helpers/project-copy.js";

export const FLAGS = ["--minimal", "--profile", "offline"] as const;

export interface FaultProject extends ProjectCopy {
  readonly prefix: string;
  /** Runs the CLI to completion in this project. */
  cli(args: readonly string[], env?: Record<string, string>): Promise<CliResult>;
  /** Starts the CLI and returns the child, to be signalled. */
  spawn(args: readonly string[], env?: Record<string, string>): ResultPromise;
  /** Containers of this project (they mount its volumes or hold its locks), with their state. */
  containers(): Promise<{ id: string; name: string; state: string; stage: string }[]>;
  /** Half-written things: temporary artifact directories and partial files in the cache and out/. */
  halfWritten(): Promise<string[]>;
}

/** Where the kernel artifact comes from: the shared cache (LEVITATE_FAULTS_SEED_CACHE overrides it). */
const sharedCache = process.env.LEVITATE_FAULTS_SEED_CACHE ?? process.env.LEVITATE_CACHE ?? join(process.env.HOME ?? "/root", ".cache", "levitate-docker");

/**
 * The kernel is the one stage too slow to build here: its finished artifacts from the shared
 * cache (CI's end-to-end build puts one there first) are copied in, so the suite rebuilds
 * busybox, initramfs and iso from its own cold volumes but never the kernel.
 */
export async function makeFaultProject(): Promise<FaultProject> {
  const project = await copyProject("faults");
  // The cases watch one-shot stage containers come and go: no iso container is kept warm between
  // builds here (tests/integration/docker/warm.test.ts covers those).
  await appendFile(project.configFile, "\nbuild:\n  keep_warm: 0\n");
  const prefix = `lvfault-${process.pid.toString(36)}`;
  const linux = join(sharedCache, "artifacts", "linux");
  if (existsSync(linux)) {
    for (const key of await readdir(linux)) {
      if (key.startsWith(".") || !existsSync(join(linux, key, "meta.json"))) continue;
      await cp(join(linux, key), join(project.cache, "artifacts", "linux", key), { recursive: true });
    }
  }
  const env = { ...project.env, LEVITATE_VOLUME_PREFIX: prefix, CI: "true" };
  const spawn = (args: readonly string[], extra: Record<string, string> = {}) =>
    execa("node", [BIN, ...args, "--config", project.configFile], { cwd: REPO, env: { ...env, ...extra }, reject: false, stdin: "ignore", all: true });
  return {
    ...project,
    prefix,
    env,
    spawn,
    async cli(args, extra = {}) {
      const started = Date.now();
      const result = await spawn(args, extra);
      return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), durationMs: Date.now() - started };
    },
    async containers() {
      const ids = (await execa("docker", ["ps", "-aq", "--filter", "label=levitate-docker"])).stdout.split("\n").filter(Boolean);
      if (ids.length === 0) return [];
      const raw = JSON.parse((await execa("docker", ["inspect", ...ids], { reject: false })).stdout || "[]") as {
        Id: string;
        Name: string;
        State: { Status: string };
        Config: { Labels: Record<string, string> | null };
        Mounts: { Name?: string }[];
      }[];
      return raw
        .filter((c) => c.Name.includes(prefix) || c.Mounts.some((m) => m.Name?.startsWith(`${prefix}-`)))
        .map((c) => ({ id: c.Id, name: c.Name.replace(/^\//, ""), state: c.State.Status, stage: c.Config.Labels?.["levitate-docker.stage"] ?? "" }));
    },
    async halfWritten() {
      const files = [...(await listFiles(project.cache)).map((f) => `cache/${f}`), ...(await listFiles(project.out)).map((f) => `out/${f}`)];
      return files.filter((f) => /(^|\/)\.tmp-|\.partial-/.test(f));
    },
    async dispose() {
      await project.dispose();
      const volumes = (await execa("docker", ["volume", "ls", "-q", "--filter", `name=${prefix}-`])).stdout.split("\n").filter(Boolean);
      if (volumes.length > 0) await execa("docker", ["volume", "rm", "-f", ...volumes], { reject: false });
    },
  };
}

/** Waits until a container of this project runs the stage; returns its id. */
export async function waitForStage(project: FaultProject, stage: string, child: ResultPromise, timeoutMs = 300_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await project.containers()).find((c) => c.stage === stage && c.state === "running");
    if (found !== undefined) return found.id;
    if (child.exitCode !== null) throw new Error(`the build ended (exit ${child.exitCode}) before a ${stage} container ran:\n${String((await child).all).slice(-3000)}`);
    await sleep(100);
  }
  throw new Error(`no ${stage} container ran within ${timeoutMs / 1000} s`);
}

/** Waits until the child's output matches (it is merged stdout+stderr). */
export async function waitForOutput(child: ResultPromise, pattern: RegExp, timeoutMs = 300_000): Promise<void> {
  let text = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${timeoutMs / 1000} s:\n${text.slice(-3000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (pattern.test(text)) {
        clearTimeout(timer);
        child.all?.off("data", onData);
        resolve();
      }
    };
    child.all?.on("data", onData);
    void child.then(() => {
      clearTimeout(timer);
      if (!pattern.test(text)) reject(new Error(`the command ended before printing ${pattern}:\n${text.slice(-3000)}`));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function sha256Of(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/**
 * What out/ holds is what the stages produced: each published file equals the file in the artifact
 * of the key metadata.json names, and the digest metadata.json records (and meta.json, when it records one).
 */
export async function publishedProblems(project: FaultProject): Promise<string[]> {
  const problems: string[] = [];
  const metadata = JSON.parse(await readFile(join(project.out, "metadata.json"), "utf8")) as {
    stages: { name: string; key: string }[];
    outputs: Record<string, { sha256: string; bytes: number }>;
  };
  for (const [stage, file] of [["iso", "levitate.iso"], ["linux", "bzImage"], ["initramfs", "initramfs.cpio.gz"]] as const) {
    const key = metadata.stages.find((s) => s.name === stage)?.key;
    if (key === undefined) {
      problems.push(`metadata.json names no ${stage} stage`);
      continue;
    }
    const artifactDir = join(project.cache, "artifacts", stage, key);
    const published = await sha256Of(join(project.out, file));
    const recorded = metadata.outputs[file]?.sha256;
    if (recorded !== published) problems.push(`out/${file}: sha256 ${published}, metadata.json says ${recorded}`);
    if (!existsSync(join(artifactDir, file))) {
      problems.push(`out/${file}: no artifact ${stage}/${key.slice(0, 12)} holds it`);
      continue;
    }
    const produced = await sha256Of(join(artifactDir, file));
    if (produced !== published) problems.push(`out/${file}: sha256 ${published}, the ${stage} artifact holds ${produced}`);
    const meta = JSON.parse(await readFile(join(artifactDir, "meta.json"), "utf8")) as { outputs?: Record<string, { sha256: string }> };
    const stamped = meta.outputs?.[file]?.sha256;
    if (stamped !== undefined && stamped !== published) problems.push(`out/${file}: sha256 ${published}, the ${stage} stage recorded ${stamped}`);
  }
  return problems;
}

export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
