// Warm containers against a real Docker engine: reused by the next run, emptied between runs, a busy one left to a one-shot container, gone when idle or cancelled.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import type { ContainerSpec, RunOptions } from "../../../orchestrator/docker/types.js";
import { LABEL_ROLE } from "../../../orchestrator/docker/types.js";
import { LABEL_WARM_KEY, ROLE_WARM } from "../../../orchestrator/docker/warm-container.js";
import { BASE_IMAGE } from "../../helpers/engine.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function text(stream: Readable): Promise<string> {
  let all = "";
  for await (const chunk of stream) all += (chunk as Buffer).toString();
  return all;
}

describe("warm containers", () => {
  const engine = createEngine();
  const client = engine.containers;
  // Each test its own spec (a label), so none finds another's container.
  const spec = (tag: string, cmd: string): ContainerSpec => ({
    image: BASE_IMAGE,
    name: `lvwarm-${tag}-${randomBytes(3).toString("hex")}`,
    cmd: ["sh", "-c", `tar -C /in -xf - && ${cmd}`],
    env: { GREETING: tag },
    network: "none",
    user: "nobody",
    readOnlyRootfs: true,
    stdinOnce: true,
    tmpfs: { "/tmp": "rw,size=64m,mode=1777", "/in": "rw,size=64m,uid=65534,gid=65534" },
    labels: { "levitate-docker.test": `warm-${tag}-${randomBytes(3).toString("hex")}` },
  });
  const warmOf = async (s: ContainerSpec) => client.list({ [LABEL_ROLE]: ROLE_WARM, "levitate-docker.test": s.labels!["levitate-docker.test"]! }, { all: true });
  const created: ContainerSpec[] = [];
  afterAll(async () => {
    for (const s of created) for (const c of await warmOf(s)) await client.remove(c.id);
  });

  const run = async (s: ContainerSpec, idleSeconds: number, options: RunOptions) => (await client.warm!(s, { idleSeconds })).run(options);

  it("runs the command in one container kept running: each run gets its stdin files, its env, and empty tmpfs mounts", async () => {
    const s = spec("reuse", 'ls -A /tmp /in >&2; echo "$GREETING $(cat /in/n)" > /tmp/mine; tar -C /tmp -cf - mine');
    created.push(s);
    const outputs: string[] = [];
    const ids: string[] = [];
    for (const n of ["1", "2"]) {
      let log = "";
      let out = "";
      const result = await run(s, 60, {
        stdinFiles: [{ path: "n", data: n }],
        onOutput: (chunk) => (log += chunk.toString()),
        collectStdout: async (stdout) => void (out = await text(stdout)),
      });
      expect(result.exitCode, log).toBe(0);
      ids.push(result.containerId);
      outputs.push(out);
      // Nothing of the first run (/tmp/mine) is there for the second: only this run's /in/n (and the lock and clock).
      expect(log.split("\n").filter((line) => line !== "" && !line.endsWith(":") && !line.startsWith(".levitate-warm-"))).toEqual(["n"]);
    }
    expect(outputs[0]).toContain("reuse 1");
    expect(outputs[1]).toContain("reuse 2");
    expect(ids[0]).toBe(ids[1]);
    const [warm] = await warmOf(s);
    expect(warm?.id).toBe(ids[0]);
    expect(warm?.state).toBe("running");
    // No owner: the orphan reaper of the next command must leave it alone.
    expect(warm?.labels["levitate-docker.owner"]).toBeUndefined();
    expect(warm?.labels[LABEL_WARM_KEY]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a run that finds the warm container busy runs in a one-shot container instead", async () => {
    const s = spec("busy", "cat /in/n; sleep 3");
    created.push(s);
    const first = run(s, 60, { stdinFiles: [{ path: "n", data: "first" }] });
    // The first run holds the container's lock while it sleeps.
    await sleep(1500);
    let log = "";
    const second = await run(s, 60, { stdinFiles: [{ path: "n", data: "second" }], onOutput: (chunk) => (log += chunk.toString()) });
    expect(second.exitCode).toBe(0);
    expect(log).toContain("second");
    const done = await first;
    expect(done.exitCode).toBe(0);
    expect(second.containerId).not.toBe(done.containerId);
    // The one-shot container is gone; the warm one stays.
    expect(await client.inspect(second.containerId)).toBeNull();
    expect((await client.inspect(done.containerId))?.running).toBe(true);
  });

  it("exits, and is removed, once no run has used it for idleSeconds", async () => {
    const s = spec("idle", "true");
    created.push(s);
    const result = await run(s, 2, {});
    expect(result.exitCode).toBe(0);
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await sleep(500);
      gone = (await warmOf(s)).length === 0;
    }
    expect(gone).toBe(true);
  }, 40_000);

  it("a cancelled run kills and removes the warm container; the next run starts a new one", async () => {
    const s = spec("cancel", "sleep 30");
    created.push(s);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const started = Date.now();
    const result = await run(s, 60, { signal: controller.signal });
    expect(result.cancelled).toBe(true);
    expect(Date.now() - started).toBeLessThan(20_000);
    let gone = false;
    for (let i = 0; i < 20 && !gone; i++) {
      gone = (await client.inspect(result.containerId)) === null;
      if (!gone) await sleep(250);
    }
    expect(gone).toBe(true);
    const quick = spec("cancel", "echo again");
    const again = await run({ ...quick, labels: s.labels! }, 60, {});
    expect(again.exitCode).toBe(0);
    expect(again.containerId).not.toBe(result.containerId);
  }, 40_000);

  it("takes early stdin files as its exec starts and the run's others later; a run without them gets a one-shot container", async () => {
    const dir = await mkdtemp(join(tmpdir(), "warm-early-"));
    try {
      const early = join(dir, "early.txt");
      await writeFile(early, "sent early\n");
      const s = spec("early", "cat /in/early.txt /in/late.txt >&2");
      created.push(s);
      // The run's files: one sent early (when its host file is the one given), one with the run.
      const runWith = async (earlyFrom: string) => {
        let log = "";
        const prepared = await client.warm!(s, { idleSeconds: 60, early: [{ path: "early.txt", hostPath: earlyFrom }] });
        const result = await prepared.run({
          stdinFiles: [
            { path: "early.txt", hostPath: early },
            { path: "late.txt", data: "sent with the run\n" },
          ],
          onOutput: (chunk) => (log += chunk.toString()),
        });
        expect(result.exitCode, log).toBe(0);
        expect(log).toBe("sent early\nsent with the run\n");
        return result;
      };
      const result = await runWith(early);
      const [warm] = await warmOf(s);
      expect(result.containerId).toBe(warm?.id);

      // Early files the run does not have: not this exec's run, a one-shot container does it.
      const other = join(dir, "other.txt");
      await writeFile(other, "another file\n");
      const fallback = await runWith(other);
      expect(fallback.containerId).not.toBe(warm?.id);
      // The warm container is free again for the next run.
      let next = await (await client.warm!(s, { idleSeconds: 60 })).run({ stdinFiles: [{ path: "early.txt", data: "a\n" }, { path: "late.txt", data: "b\n" }] });
      for (let i = 0; i < 10 && next.containerId !== warm?.id; i++) {
        // The abandoned exec may still hold the lock for a moment (it fails on its cut-off stdin).
        await sleep(300);
        next = await (await client.warm!(s, { idleSeconds: 60 })).run({ stdinFiles: [{ path: "early.txt", data: "a\n" }, { path: "late.txt", data: "b\n" }] });
      }
      expect(next.exitCode).toBe(0);
      expect(next.containerId).toBe(warm?.id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a failing command's exit status is the run's, and the container stays usable", async () => {
    const s = spec("fail", 'test "$(cat /in/n)" = ok');
    created.push(s);
    expect((await run(s, 60, { stdinFiles: [{ path: "n", data: "no" }] })).exitCode).toBe(1);
    expect((await run(s, 60, { stdinFiles: [{ path: "n", data: "ok" }] })).exitCode).toBe(0);
    expect(await warmOf(s)).toHaveLength(1);
  });
});
