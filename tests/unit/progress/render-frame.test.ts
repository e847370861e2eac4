// renderFrame: the live block for known states, byte for byte.
import { describe, expect, it } from "vitest";
import type { ProgressEvent, ProgressState } from "../../../orchestrator/progress/progress-state.js";
import { INITIAL_STATE, reduce } from "../../../orchestrator/progress/progress-state.js";
import { cleanLine, renderFrame } from "../../../orchestrator/progress/render-frame.js";

function stateAfter(events: ReadonlyArray<readonly [number, ProgressEvent]>): ProgressState {
  return events.reduce((state, [at, event]) => reduce(state, event, at), INITIAL_STATE);
}

const plan: ProgressEvent = {
  event: "plan",
  stages: [
    { name: "linux", state: "pending", reason: "kernel config changed", estimateMs: 255_000 },
    { name: "busybox", state: "cached", reason: "inputs unchanged" },
    { name: "openrc", state: "pending", reason: "new source" },
    { name: "iso", state: "pending", reason: "", estimateMs: 1_500 },
  ],
};

describe("renderFrame", () => {
  it("shows the plan: pending with estimates and reasons, cached", () => {
    expect(renderFrame(stateAfter([[0, plan]]), 0, 80)).toEqual([
      "· linux    pending  ~4m15s  kernel config changed",
      "= busybox  cached           inputs unchanged",
      "· openrc   pending          new source",
      "· iso      pending  ~1.5s",
    ]);
  });

  it("shows running (elapsed / estimate, latest log line), done and failed", () => {
    const state = stateAfter([
      [0, plan],
      [0, { event: "stageStarted", stage: "openrc" }],
      [6_100, { event: "stageFinished", stage: "openrc", ok: true, durationMs: 6_100 }],
      [1_000, { event: "stageStarted", stage: "linux" }],
      [2_000, { event: "stageLog", stage: "linux", line: "  CC      kernel/fork.o" }],
      [7_000, { event: "stageStarted", stage: "iso" }],
      [7_200, { event: "stageLog", stage: "iso", line: "grub-mkrescue: command not found" }],
      [7_200, { event: "stageFinished", stage: "iso", ok: false, durationMs: 200 }],
    ]);
    expect(renderFrame(state, 63_400, 80)).toEqual([
      "⠼ linux    running  1m02s / ~4m15s  CC      kernel/fork.o",
      "= busybox  cached                   inputs unchanged",
      "✓ openrc   done     6.1s",
      "✗ iso      failed   200ms           grub-mkrescue: command not found",
    ]);
  });

  it("cuts every line to the terminal width minus one, ending in an ellipsis", () => {
    const state = stateAfter([
      [0, plan],
      [0, { event: "stageStarted", stage: "linux" }],
      [0, { event: "stageLog", stage: "linux", line: `  LD      ${"drivers/very/long/path/".repeat(5)}built-in.a` }],
    ]);
    const lines = renderFrame(state, 4_000, 40);
    expect(lines).toEqual([
      "⠋ linux    running  4.0s / ~4m15s  LD …",
      "= busybox  cached                  inp…",
      "· openrc   pending                 new…",
      "· iso      pending  ~1.5s",
    ]);
    for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(39);
  });

  it("shows output from outside the plan on a last line until a stage starts", () => {
    const withActivity = stateAfter([
      [0, plan],
      [0, { event: "stageLog", stage: "toolchain", line: "Unpacking gcc-12 (12.2.0-14) ..." }],
    ]);
    expect(renderFrame(withActivity, 0, 80).at(-1)).toBe("  toolchain: Unpacking gcc-12 (12.2.0-14) ...");
    const started = reduce(withActivity, { event: "stageStarted", stage: "linux" }, 10);
    expect(renderFrame(started, 10, 80)).toHaveLength(4);
  });

  it("adds a row for a stage that was not in the plan", () => {
    const state = stateAfter([[0, plan], [0, { event: "stageStarted", stage: "initramfs" }]]);
    expect(renderFrame(state, 850, 80).at(-1)).toBe("⠇ initramfs  running  850ms");
  });
});

describe("cleanLine", () => {
  it("drops colour codes, keeps the text after the last carriage return, turns tabs into spaces", () => {
    expect(cleanLine("\x1b[1;32mok\x1b[0m\tdone")).toBe("ok done");
    expect(cleanLine(" 10%\r 55%\r 90% [#####   ]")).toBe("90% [#####   ]");
    expect(cleanLine("first\nsecond")).toBe("first");
  });
});
