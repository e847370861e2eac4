// TTY mode: the block is drawn, redrawn in place at most ten times a second, messages go above it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createReporter } from "../../../orchestrator/progress/reporter.js";
import type { ProgressReporter } from "../../../orchestrator/progress/reporter.js";
import { collectOutput } from "./collect.js";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
const open: ProgressReporter[] = [];
afterEach(() => {
  for (const reporter of open.splice(0)) reporter.close();
  vi.useRealTimers();
});

const HIDE = "\x1b[?25l";
const SHOW = "\x1b[?25h";
const up = (n: number): string => `\r\x1b[${n}A\x1b[J`;

function started() {
  const output = collectOutput();
  const reporter = createReporter({ mode: "tty", out: output.out, now: () => Date.now(), columns: 60 });
  open.push(reporter);
  reporter.plan([
    { name: "linux", state: "pending", reason: "new", estimateMs: 4_000 },
    { name: "busybox", state: "cached", reason: "unchanged" },
  ]);
  return { ...output, reporter };
}

describe("tty reporter", () => {
  it("draws the plan at once, hiding the cursor", () => {
    const { chunks } = started();
    expect(chunks).toEqual([`${HIDE}· linux    pending  ~4.0s  new\n= busybox  cached          unchanged\n`]);
  });

  it("redraws in place about ten times a second while a stage runs", () => {
    const { reporter, chunks } = started();
    reporter.stageStarted("linux");
    for (let i = 0; i < 50; i++) {
      reporter.stageLog("linux", `line ${i}`);
      vi.advanceTimersByTime(20);
    }
    // 1 s of running: the first draw plus one per 100 ms tick, however many lines arrived.
    expect(chunks.length).toBe(1 + 10);
    expect(chunks.at(-1)).toBe(`${up(2)}⠋ linux    running  1.0s / ~4.0s  line 49\n= busybox  cached                 unchanged\n`);
  });

  it("prints messages above the block and leaves a final block with the cursor back on close", () => {
    const { reporter, chunks, text } = started();
    reporter.stageStarted("linux");
    vi.advanceTimersByTime(2_500);
    reporter.warn("KVM does not work here: using TCG");
    expect(chunks.at(-1)).toBe(
      `${up(2)}warning: KVM does not work here: using TCG\n⠴ linux    running  2.5s / ~4.0s\n= busybox  cached                 unchanged\n`,
    );
    reporter.stageFinished("linux", { ok: true, durationMs: 2_600 });
    reporter.close();
    expect(chunks.slice(-2)).toEqual([`${up(2)}✓ linux    done     2.6s\n= busybox  cached         unchanged\n`, SHOW]);
    expect(vi.getTimerCount()).toBe(0);
    const before = text();
    vi.advanceTimersByTime(1_000);
    reporter.info("after close");
    expect(text()).toBe(before);
  });

  it("does not redraw an idle block", () => {
    const { chunks } = started();
    vi.advanceTimersByTime(1_000);
    expect(chunks).toHaveLength(1);
  });
});
