// The three reporter modes driven through one scripted build with a fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createReporter } from "../../../orchestrator/progress/reporter.js";
import type { ProgressReporter } from "../../../orchestrator/progress/reporter.js";
import { collectOutput } from "./collect.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_700_000_000_000);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Advances the fake clock (and timers) to `ms` after the start. */
const at = (ms: number): void => {
  vi.advanceTimersByTime(1_700_000_000_000 + ms - Date.now());
};

function script(reporter: ProgressReporter): void {
  reporter.plan([
    { name: "linux", state: "pending", reason: "kernel config changed", estimateMs: 255_000 },
    { name: "busybox", state: "cached", reason: "inputs unchanged" },
    { name: "iso", state: "pending", reason: "linux changed" },
  ]);
  at(500);
  reporter.stageStarted("linux");
  at(1_000);
  reporter.stageLog("linux", "  CC      kernel/fork.o");
  at(65_000);
  reporter.stageLog("linux", "  LD      vmlinux");
  at(70_500);
  reporter.stageFinished("linux", { ok: true, durationMs: 70_000 });
  reporter.warn("KVM does not work here: using TCG");
  at(71_000);
  reporter.stageStarted("iso");
  at(71_200);
  reporter.stageFinished("iso", { ok: false, durationMs: 200, detail: "grub-mkrescue: command not found" });
  reporter.info("see out/logs/iso.log");
  reporter.close();
}

describe("plain reporter", () => {
  it("prints one line per event, no log lines, and a still-running line every 30 s", () => {
    const { out, text } = collectOutput();
    script(createReporter({ mode: "plain", out, now: () => Date.now() }));
    expect(text()).toBe(
      [
        "[    0ms] linux: pending (kernel config changed), ~4m15s",
        "[    0ms] busybox: cached (inputs unchanged)",
        "[    0ms] iso: pending (linux changed)",
        "[  500ms] linux: started (took 4m15s last time)",
        "[  31.0s] linux: still running (30.5s, last: CC      kernel/fork.o)",
        "[  1m01s] linux: still running (1m01s, last: CC      kernel/fork.o)",
        "[  1m11s] linux: done in 1m10s",
        "[  1m11s] warning: KVM does not work here: using TCG",
        "[  1m11s] iso: started",
        "[  1m11s] iso: FAILED after 200ms: grub-mkrescue: command not found",
        "[  1m11s] see out/logs/iso.log",
        "",
      ].join("\n"),
    );
  });

  it("shows that work outside the plan (the toolchain build) lives, only while it logs", () => {
    const { out, text } = collectOutput();
    const reporter = createReporter({ mode: "plain", out, now: () => Date.now() });
    reporter.stageLog("toolchain", "Get:1 gcc-12");
    at(10_000);
    reporter.stageLog("toolchain", "Unpacking gcc-12 ...");
    at(120_000);
    reporter.close();
    expect(text()).toBe("[  30.0s] toolchain: still working (last: Unpacking gcc-12 ...)\n");
  });

  it("stops its timer on close", () => {
    const { out, chunks } = collectOutput();
    const reporter = createReporter({ mode: "plain", out, now: () => Date.now() });
    reporter.stageStarted("linux");
    reporter.close();
    at(120_000);
    reporter.info("ignored after close");
    expect(chunks).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("json reporter", () => {
  it("writes every event, log lines included, as one object per line", () => {
    const { out, text } = collectOutput();
    script(createReporter({ mode: "json", out, now: () => Date.now() - 1_700_000_000_000 }));
    const events = text()
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toEqual([
      {
        event: "plan",
        stages: [
          { name: "linux", state: "pending", reason: "kernel config changed", estimateMs: 255_000 },
          { name: "busybox", state: "cached", reason: "inputs unchanged" },
          { name: "iso", state: "pending", reason: "linux changed" },
        ],
        time: 0,
      },
      { event: "stageStarted", stage: "linux", time: 500 },
      { event: "stageLog", stage: "linux", line: "  CC      kernel/fork.o", time: 1_000 },
      { event: "stageLog", stage: "linux", line: "  LD      vmlinux", time: 65_000 },
      { event: "stageFinished", stage: "linux", ok: true, durationMs: 70_000, time: 70_500 },
      { event: "warn", message: "KVM does not work here: using TCG", time: 70_500 },
      { event: "stageStarted", stage: "iso", time: 71_000 },
      { event: "stageFinished", stage: "iso", ok: false, durationMs: 200, detail: "grub-mkrescue: command not found", time: 71_200 },
      { event: "info", message: "see out/logs/iso.log", time: 71_200 },
    ]);
    expect(text().split("\n")[4]).toBe('{"event":"stageFinished","stage":"linux","ok":true,"durationMs":70000,"time":70500}');
  });
});
