// Pure: a benchmark figure as the median of several runs with its spread, and its ratio to a baseline.

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function summarize(samples: readonly number[]): Stats {
  if (samples.length === 0) throw new Error("summarize: no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

/** "1.23 s (1.10-1.40, 5 runs)"; one run shows no range. */
export function formatStats(stats: Stats, unit: (value: number) => string): string {
  if (stats.runs === 1) return `${unit(stats.median)} (1 run)`;
  return `${unit(stats.median)} (${unit(stats.min)}-${unit(stats.max)}, ${stats.runs} runs)`;
}

/** Ours over the baseline's medians: "x1.08 vs plain docker 1.14 s". */
export function formatRatio(ours: Stats, baseline: Stats, what: string, unit: (value: number) => string): string {
  return `x${(ours.median / baseline.median).toFixed(2)} vs ${what} ${unit(baseline.median)}`;
}

/** Runs `measure` `runs` times, one after the other. */
export async function repeat(runs: number, measure: (run: number) => Promise<number>): Promise<Stats> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) samples.push(await measure(run));
  return summarize(samples);
}
