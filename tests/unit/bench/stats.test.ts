// Benchmark figures: median with min/max over runs, and the ratio to a baseline.
import { describe, expect, it } from "vitest";
import { formatRatio, formatStats, repeat, summarize } from "../../../orchestrator/bench/stats.js";

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

describe("bench stats", () => {
  it("takes the median of an odd and an even number of runs, with min and max", () => {
    expect(summarize([300, 100, 200])).toEqual({ median: 200, min: 100, max: 300, runs: 3 });
    expect(summarize([400, 100, 200, 300])).toEqual({ median: 250, min: 100, max: 400, runs: 4 });
    expect(() => summarize([])).toThrow("no samples");
  });

  it("formats the spread and the ratio to the plain docker baseline", () => {
    expect(formatStats(summarize([1200, 1000, 1500]), s)).toBe("1.20 s (1.00 s-1.50 s, 3 runs)");
    expect(formatStats(summarize([900]), s)).toBe("0.90 s (1 run)");
    expect(formatRatio(summarize([1100]), summarize([1000]), "plain docker", s)).toBe("x1.10 vs plain docker 1.00 s");
  });

  it("repeats a measurement in order", async () => {
    const seen: number[] = [];
    const stats = await repeat(3, async (run) => {
      seen.push(run);
      return 10 * (run + 1);
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(stats.median).toBe(20);
  });
});
