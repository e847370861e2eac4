// A second, private Docker engine for the fault suite's "dockerd stopped mid-stage" case: stopping the shared one would stop everyone's builds.
import { execa } from "execa";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PrivateEngine {
  /** unix://DIR/docker.sock, for DOCKER_HOST. */
  readonly host: string;
  /** Starts dockerd (again) and waits until `docker info` answers. */
  start(): Promise<void>;
  /** Stops dockerd as `systemctl stop docker` does (SIGTERM: it stops its containers, then exits) and waits for it to end. */
  stop(): Promise<void>;
  /** The docker CLI against this engine; throws on a non-zero exit. */
  docker(args: readonly string[]): Promise<string>;
  /** Copies an image of the shared engine into this one (docker save | docker load). */
  copyImage(tag: string): Promise<void>;
  /** The last lines dockerd wrote, for failure messages. */
  logTail(): Promise<string>;
  /** Stops dockerd (and its containerd) whatever state they are in, unmounts what they left, removes the directory. */
  dispose(): Promise<void>;
}

/** Why a private engine cannot run here, or null. */
export function privateEngineUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "a second dockerd needs root";
  for (const tool of ["dockerd", "unshare"]) {
    if (!process.env.PATH?.split(":").some((dir) => existsSync(join(dir, tool)))) return `no ${tool} on PATH`;
  }
  return null;
}

/**
 * A dockerd with its own data root, exec root (so its own containerd), pid file and socket, in its
 * own network namespace: a dockerd started with --bridge=none deletes the host's docker0 bridge,
 * which the shared engine's containers use. Stage containers use NetworkMode none, so it needs no network.
 */
export async function createPrivateEngine(): Promise<PrivateEngine> {
  const dir = await mkdtemp(join(tmpdir(), "lvfd-"));
  const socket = join(dir, "docker.sock");
  const host = `unix://${socket}`;
  const logFile = join(dir, "dockerd.log");
  await writeFile(join(dir, "daemon.json"), "{}\n");
  let daemon: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const running = () => daemon !== null && daemon.exitCode === null && daemon.signalCode === null;

  const docker = async (args: readonly string[]) => (await execa("docker", ["-H", host, ...args])).stdout;
  const logTail = async () => (await readFile(logFile, "utf8").catch(() => "")).split("\n").slice(-15).join("\n");

  const engine: PrivateEngine = {
    host,
    docker,
    logTail,
    async start() {
      const log = openSync(logFile, "a");
      try {
        daemon = spawn(
          "unshare",
          [
            "--net",
            "dockerd",
            `--data-root=${join(dir, "data")}`,
            `--exec-root=${join(dir, "exec")}`,
            `--pidfile=${join(dir, "dockerd.pid")}`,
            `--host=${host}`,
            `--config-file=${join(dir, "daemon.json")}`,
            "--bridge=none",
            "--iptables=false",
            "--ip6tables=false",
            "--ip-masq=false",
          ],
          { stdio: ["ignore", log, log] },
        );
      } finally {
        closeSync(log);
      }
      const child = daemon;
      exited = new Promise((resolve) => child.once("exit", () => resolve()));
      const deadline = Date.now() + 60_000;
      for (;;) {
        const info = await execa("docker", ["-H", host, "info", "--format", "{{.ServerVersion}}"], { reject: false });
        if (info.exitCode === 0) return;
        if (!running() || Date.now() > deadline) {
          throw new Error(`the private dockerd did not come up (${running() ? "60 s" : `exit ${child.exitCode ?? child.signalCode}`}):\n${await logTail()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async stop() {
      if (!running()) return;
      daemon!.kill("SIGTERM");
      await exited;
    },
    async copyImage(tag) {
      await execa("bash", ["-o", "pipefail", "-c", 'docker save "$1" | docker -H "$2" load', "copy-image", tag, host]);
    },
    async dispose() {
      if (running()) {
        daemon!.kill("SIGTERM");
        const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000))]);
        if (!ended) daemon!.kill("SIGKILL");
        await exited;
      }
      // A dockerd that died without shutting down leaves its containerd (and shims) running.
      const containerd = await readFile(join(dir, "exec", "containerd", "containerd.pid"), "utf8").catch(() => "");
      if (/^\d+$/.test(containerd.trim())) await execa("kill", ["-TERM", containerd.trim()], { reject: false });
      const mounts = (await readFile("/proc/self/mounts", "utf8")).split("\n").map((line) => line.split(" ")[1] ?? "").filter((m) => m.startsWith(`${dir}/`));
      for (const mount of mounts.reverse()) await execa("umount", ["-l", mount], { reject: false });
      await rm(dir, { recursive: true, force: true });
    },
  };
  return engine;
}
