// runGraph: needs first, at most `limit` at once, priorities among the ready, and what a failure or an abort stops.
import { describe, expect, it } from "vitest";
import { criticalPaths } from "../../../orchestrator/build/execute.js";
import { SiblingFailed, runGraph } from "../../../orchestrator/build/schedule.js";
import type { GraphTask } from "../../../orchestrator/build/schedule.js";
import type { PlannedStage } from "../../../orchestrator/plan/plan.js";

type Name = "a" | "b" | "c" | "d" | "e";
const task = (name: Name, ...needs: Name[]): GraphTask<Name> => ({ name, needs });

/** Runs the graph with each task taking `ms[name]` (default 5 ms), and says what happened when. */
async function trace(tasks: readonly GraphTask<Name>[], limit: number, ms: Partial<Record<Name, number>> = {}, priority?: (name: Name) => number) {
  const events: string[] = [];
  let running = 0;
  let most = 0;
  const results = await runGraph(
    tasks,
    async (t) => {
      most = Math.max(most, ++running);
      events.push(`start ${t.name}`);
      await new Promise((resolve) => setTimeout(resolve, ms[t.name] ?? 5));
      events.push(`end ${t.name}`);
      running--;
      return t.name.toUpperCase();
    },
    { limit, ...(priority === undefined ? {} : { priority }) },
  );
  return { events, most, results };
}

describe("runGraph", () => {
  it("with a limit of 1 runs the tasks one after another in the given order", async () => {
    const { events, most, results } = await trace([task("a"), task("b"), task("c", "a", "b"), task("d")], 1);
    expect(events).toEqual(["start a", "end a", "start b", "end b", "start c", "end c", "start d", "end d"]);
    expect(most).toBe(1);
    expect([...results.entries()].sort()).toEqual([["a", "A"], ["b", "B"], ["c", "C"], ["d", "D"]]);
  });

  it("starts a task only once everything it needs has finished, and never more than the limit at once", async () => {
    const tasks = [task("a"), task("b"), task("c", "a"), task("d", "a", "b"), task("e", "c", "d")];
    for (const limit of [2, 3, 8]) {
      const { events, most } = await trace(tasks, limit, { a: 10, b: 30 });
      expect(most).toBeLessThanOrEqual(limit);
      for (const t of tasks) {
        for (const need of t.needs) expect(events.indexOf(`end ${need}`)).toBeLessThan(events.indexOf(`start ${t.name}`));
      }
      // c needs only a: it starts while b still runs.
      expect(events.indexOf("start c")).toBeLessThan(events.indexOf("end b"));
    }
    expect((await trace(tasks, 8, { a: 10, b: 30 })).most).toBe(2);
  });

  it("among ready tasks starts the one with the higher priority first; ties keep the given order", async () => {
    const { events } = await trace([task("a"), task("b"), task("c"), task("d")], 1, {}, (name) => (name === "c" ? 10 : name === "d" ? 5 : 0));
    expect(events.filter((e) => e.startsWith("start"))).toEqual(["start c", "start d", "start a", "start b"]);
  });

  it("when a task fails: nothing more starts, the running ones are told why and waited for, the first error is thrown", async () => {
    const events: string[] = [];
    const failure = new Error("b broke");
    const promise = runGraph(
      [task("a"), task("b"), task("c", "b"), task("d")],
      async (t, signal) => {
        events.push(`start ${t.name}`);
        if (t.name === "b") {
          await new Promise((resolve) => setTimeout(resolve, 10));
          throw failure;
        }
        // a runs until told to stop, then takes a while to clean up, and fails with its own error.
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        events.push(`${t.name} stopped: ${(signal.reason as Error).message}`);
        expect(signal.reason).toBeInstanceOf(SiblingFailed);
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`end ${t.name}`);
        throw new Error(`${t.name} was interrupted`);
      },
      { limit: 2 },
    );
    await expect(promise).rejects.toBe(failure);
    // When it throws, a has finished cleaning up; c (needs b) and d (no slot before the failure) never started.
    expect(events).toEqual(["start a", "start b", "a stopped: stopped: b failed", "end a"]);
  });

  it("an abort from outside stops the running tasks through their signal; a task not started yet never starts", async () => {
    const controller = new AbortController();
    const started: string[] = [];
    const promise = runGraph(
      [task("a"), task("b", "a")],
      async (t, signal) => {
        started.push(t.name);
        setTimeout(() => controller.abort("SIGINT"), 5);
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        throw new Error(`interrupted by ${String(signal.reason)}`);
      },
      { limit: 2, signal: controller.signal },
    );
    await expect(promise).rejects.toThrow("interrupted by SIGINT");
    expect(started).toEqual(["a"]);
  });

  it("aborted between tasks: throws what `aborted` makes, having started none; aborted after the last task: returns", async () => {
    const controller = new AbortController();
    controller.abort("SIGTERM");
    let ran = 0;
    const early = runGraph([task("a")], async () => void ran++, { limit: 1, signal: controller.signal, aborted: (s) => new Error(`stopped by ${String(s.reason)}`) });
    await expect(early).rejects.toThrow("stopped by SIGTERM");
    expect(ran).toBe(0);

    const late = new AbortController();
    const results = await runGraph([task("a")], async () => {
      late.abort("SIGINT");
      return 1;
    }, { limit: 1, signal: late.signal });
    expect(results.get("a")).toBe(1);
  });

  it("refuses a graph with an unknown need, a repeated name or a cycle", async () => {
    const run = async () => 0;
    await expect(runGraph([task("a", "b")], run, { limit: 1 })).rejects.toThrow("task a needs b, which is not in the graph");
    await expect(runGraph([task("a"), task("a")], run, { limit: 1 })).rejects.toThrow("task a is listed twice");
    await expect(runGraph([task("a", "c"), task("b", "a"), task("c", "b")], run, { limit: 1 })).rejects.toThrow("tasks need each other: a -> c -> b -> a");
  });
});

describe("criticalPaths", () => {
  const stage = (name: string, needs: string[], action: "run" | "cached" = "run") => ({ name, needs, action }) as unknown as PlannedStage;
  it("is a stage's estimate plus the longest chain of stages waiting for it; cached and untimed stages count 0", () => {
    const stages = [
      stage("busybox", []),
      stage("openrc", [], "cached"),
      stage("initramfs", ["busybox", "openrc"]),
      stage("linux", []),
      stage("grub", []),
      stage("iso", ["linux", "grub", "initramfs"]),
    ];
    const estimates = new Map<string, number>([["busybox", 60], ["openrc", 10], ["initramfs", 1], ["linux", 400], ["iso", 2]]) as Map<PlannedStage["name"], number>;
    const paths = criticalPaths(stages, estimates);
    expect(Object.fromEntries(paths)).toEqual({ iso: 2, grub: 2, linux: 402, initramfs: 3, openrc: 3, busybox: 63 });
  });
});
