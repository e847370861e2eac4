// The Engine against a real Docker engine: labels, no network, streamed logs, and cleanup on every exit path.
import { describe, expect, it } from "vitest";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import { LABEL_RUN, LABEL_TOOL } from "../../../orchestrator/docker/types.js";
import { InterruptedError, UserError } from "../../../orchestrator/errors/errors.js";
import { BASE_IMAGE } from "../../helpers/engine.js";

describe("docker engine", () => {
  const engine = createEngine();

  it("runs a labelled container without network, streams output, collects /out and removes it", async () => {
    const seen: string[] = [];
    let collected = 0;
    const result = await engine.containers.run(
      {
        image: BASE_IMAGE,
        cmd: ["sh", "-c", "cat /in/hello.txt; cat /sys/class/net/*/operstate 2>/dev/null | sort -u | tr '\\n' ' '; ls /sys/class/net; mkdir -p /out && echo built > /out/result; echo to-stderr >&2"],
        network: "none",
        labels: { "levitate-docker.role": "test" },
      },
      {
        inputs: [{ dir: "/in", files: [{ path: "hello.txt", data: "hello from the host\n" }] }],
        onOutput: (chunk, stream) => seen.push(`${stream}:${chunk.toString()}`),
        collectPath: "/out",
        collect: async (tar) => {
          for await (const chunk of tar) collected += (chunk as Buffer).length;
        },
      },
    );
    expect(result.exitCode).toBe(0);
    const text = seen.join("");
    expect(text).toContain("stdout:hello from the host");
    expect(text).toContain("stderr:to-stderr");
    // With NetworkMode none the only interface is the loopback.
    expect(text).toMatch(/\blo\b/);
    expect(text).not.toMatch(/\beth0\b/);
    expect(collected).toBeGreaterThan(0);
    expect(await engine.containers.inspect(result.containerId)).toBeNull();
  });

  it("sends stdinFiles as one tar on stdin and closes it, so the command reads them and then sees the end of its input", async () => {
    const seen: string[] = [];
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const result = await engine.containers.run(
      {
        image: BASE_IMAGE,
        cmd: ["sh", "-c", "mkdir /tmp/in && tar -C /tmp/in -xf - && cat /tmp/in/sub/hello.txt && wc -c < /tmp/in/big.bin && stat -c %a /tmp/in/run.sh && cat; echo cat-ended"],
        network: "none",
        stdinOnce: true,
        tmpfs: { "/tmp": "rw,size=64m" },
        readOnlyRootfs: true,
        labels: { "levitate-docker.role": "test" },
      },
      {
        stdinFiles: [
          { path: "sub/hello.txt", data: "hello over stdin\n" },
          { path: "big.bin", data: big },
          { path: "run.sh", data: "#!/bin/sh\n", mode: 0o755 },
        ],
        onOutput: (chunk, stream) => seen.push(`${stream}:${chunk.toString()}`),
      },
    );
    expect(result.exitCode).toBe(0);
    const text = seen.join("");
    expect(text).toContain("hello over stdin");
    expect(text).toContain(String(big.length));
    expect(text).toContain("755");
    // `cat` after tar returned at once: stdin was at its end.
    expect(text).toContain("cat-ended");
    expect(await engine.containers.inspect(result.containerId)).toBeNull();
  });

  it("reports the exit code of a command that never reads the stdinFiles sent to it (no hang, no error)", async () => {
    const result = await engine.containers.run(
      { image: BASE_IMAGE, cmd: ["sh", "-c", "exit 3"], network: "none", stdinOnce: true },
      { stdinFiles: [{ path: "big.bin", data: Buffer.alloc(8 * 1024 * 1024) }] },
    );
    expect(result).toMatchObject({ exitCode: 3, cancelled: false, timedOut: false });
    expect(await engine.containers.inspect(result.containerId)).toBeNull();
  });

  it("fails the run naming the input that could not be read, and removes the container", async () => {
    const run = engine.containers.run(
      { image: BASE_IMAGE, cmd: ["sh", "-c", "mkdir /tmp/in && tar -C /tmp/in -xf -"], network: "none", stdinOnce: true },
      { stdinFiles: [{ path: "a.txt", data: "a\n" }, { path: "gone", hostPath: "/nonexistent/levitate-input" }] },
    );
    await expect(run).rejects.toThrow(/could not send the container its inputs: .*\/nonexistent\/levitate-input/);
    expect(await engine.containers.list({ [LABEL_RUN]: engine.runId }, { all: true })).toEqual([]);
  });

  it("starts a prepared stdin-reading container at once; it waits for its inputs, then runs on them, and is removed", async () => {
    const prepare = engine.containers.prepare!;
    const spec = {
      image: BASE_IMAGE,
      cmd: ["sh", "-c", "date +%s%N > /tmp/started; mkdir /tmp/in && tar -C /tmp/in -xf - && cat /tmp/in/note.txt && echo started-ns $(cat /tmp/started) >&2"],
      network: "none" as const,
      stdinOnce: true,
      tmpfs: { "/tmp": "rw,size=16m" },
      labels: { "levitate-docker.role": "test" },
    };
    const prepared = await prepare(spec);
    const [listed] = await engine.containers.list({ [LABEL_RUN]: engine.runId });
    // Running (not only created) before the run hands it anything.
    expect(listed?.state).toBe("running");
    await new Promise((r) => setTimeout(r, 300));
    const runAt = Date.now();
    const seen: string[] = [];
    let sent = 0;
    const result = await prepared.run({
      stdinFiles: [{ path: "note.txt", data: "made after the start\n" }],
      onStdinSent: () => (sent += 1),
      onOutput: (chunk, stream) => seen.push(`${stream}:${chunk.toString()}`),
    });
    expect(result.exitCode).toBe(0);
    expect(sent).toBe(1);
    const text = seen.join("");
    expect(text).toContain("stdout:made after the start");
    // Its command began before the run was asked for (the engine's clock is this machine's).
    const startedNs = /started-ns (\d+)/.exec(text)?.[1];
    expect(Number(BigInt(startedNs ?? "0") / 1_000_000n)).toBeLessThan(runAt);
    expect(await engine.containers.inspect(result.containerId)).toBeNull();
  });

  it("removes a prepared, started container that is discarded unrun", async () => {
    const prepared = await engine.containers.prepare!({ image: BASE_IMAGE, cmd: ["sh", "-c", "cat"], network: "none", stdinOnce: true, labels: { "levitate-docker.role": "test" } });
    expect((await engine.containers.list({ [LABEL_RUN]: engine.runId }))[0]?.state).toBe("running");
    await prepared.discard();
    expect(await engine.containers.list({ [LABEL_RUN]: engine.runId }, { all: true })).toEqual([]);
  });

  it("labels containers with the tool and the run id while they run", async () => {
    let labels: Record<string, string> = {};
    // Look at it from the outside while it sleeps.
    const running = engine.containers.run({ image: BASE_IMAGE, cmd: ["sh", "-c", "sleep 3"], network: "none" });
    for (let i = 0; i < 30 && Object.keys(labels).length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      const found = await engine.containers.list({ [LABEL_RUN]: engine.runId }, { all: true });
      if (found[0]) labels = { ...found[0].labels };
    }
    await running;
    expect(labels[LABEL_TOOL]).toBe("1");
    expect(labels[LABEL_RUN]).toBe(engine.runId);
    expect(await engine.containers.list({ [LABEL_RUN]: engine.runId }, { all: true })).toEqual([]);
  });

  it("removes the container when the command fails, and reports the exit code", async () => {
    const result = await engine.containers.run({ image: BASE_IMAGE, cmd: ["sh", "-c", "echo failing; exit 3"], network: "none" });
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, cancelled: false, cancelReason: null });
    expect(result.durationMs).toBeGreaterThan(0);
    expect(await engine.containers.list({ [LABEL_RUN]: engine.runId }, { all: true })).toEqual([]);
  });

  it("kills and removes the container when the run is cancelled, and says by which signal", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const result = await engine.containers.run(
      { image: BASE_IMAGE, cmd: ["sh", "-c", "echo started; sleep 60"], network: "none" },
      {
        signal: controller.signal,
        onOutput: (chunk) => {
          if (chunk.toString().includes("started")) controller.abort(new InterruptedError("SIGTERM"));
        },
      },
    );
    expect(result).toMatchObject({ cancelled: true, cancelReason: "SIGTERM", timedOut: false, signal: "SIGKILL" });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await engine.containers.list({ [LABEL_RUN]: engine.runId }, { all: true })).toEqual([]);
  });

  it("kills and removes the container when its time is up, and reports a timeout (not an error)", async () => {
    const result = await engine.containers.run({ image: BASE_IMAGE, cmd: ["sh", "-c", "sleep 60"], network: "none" }, { timeoutMs: 1000 });
    expect(result).toMatchObject({ timedOut: true, cancelled: false, cancelReason: null, signal: "SIGKILL" });
    expect(await engine.containers.list({ [LABEL_RUN]: engine.runId }, { all: true })).toEqual([]);
  });

  it("reports a run cancelled before it started without creating anything", async () => {
    const controller = new AbortController();
    controller.abort(new InterruptedError("SIGINT"));
    const result = await engine.containers.run({ image: BASE_IMAGE, cmd: ["true"], network: "none" }, { signal: controller.signal });
    expect(result).toMatchObject({ cancelled: true, cancelReason: "SIGINT", exitCode: null });
  });

  it("says which engine it tried when none answers", async () => {
    const missing = createEngine({ env: { ...process.env, DOCKER_HOST: "unix:///nonexistent/docker.sock" } });
    const error = await missing.info().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain("unix:///nonexistent/docker.sock");
    expect((error as UserError).message).toContain("DOCKER_HOST");
    expect((error as UserError).details.join("\n")).toContain("Start a Docker engine");
  });
});
