// formatDuration at and around each unit boundary.
import { describe, expect, it } from "vitest";
import { formatDuration } from "../../../orchestrator/progress/format-duration.js";

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [850, "850ms"],
    [999.4, "999ms"],
    [999.6, "1.0s"],
    [12_345, "12.3s"],
    [59_940, "59.9s"],
    [59_960, "1m00s"],
    [252_000, "4m12s"],
    [3_599_400, "59m59s"],
    [3_599_600, "1h00m"],
    [3_900_000, "1h05m"],
    [-5, "0ms"],
    [Number.NaN, "0ms"],
  ])("%s ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
