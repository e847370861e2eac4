// How long each stage took before, kept in <cacheRoot>/timings.json, so progress can show "~4m15s".
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";

export interface TimingRecord {
  /** The stage's cache key when it ran, or null when the caller had none. */
  readonly key: string | null;
  readonly ms: number;
  /** ISO time it was recorded. */
  readonly at: string;
}

export interface Timings {
  readonly version: 1;
  /** Newest first, at most MAX_RECORDS per stage, one per key. */
  readonly stages: Readonly<Record<string, readonly TimingRecord[]>>;
}

const MAX_RECORDS = 10;
const EMPTY: Timings = { version: 1, stages: {} };

export function timingsPath(cacheRoot: string): string {
  return join(cacheRoot, "timings.json");
}

/**
 * Reads the timings; a missing, unreadable or malformed file gives empty timings
 * (estimates are a convenience and must never stop a build).
 */
export async function loadTimings(cacheRoot: string): Promise<Timings> {
  try {
    return sanitize(JSON.parse(await readFile(timingsPath(cacheRoot), "utf8")));
  } catch {
    return EMPTY;
  }
}

/**
 * Records that `stage` (built with cache key `key`) took `ms`, written atomically.
 * Two builds saving at once may lose one record (last writer wins); nothing is corrupted.
 */
export async function saveTiming(cacheRoot: string, stage: string, key: string | null, ms: number): Promise<void> {
  const timings = await loadTimings(cacheRoot);
  const record: TimingRecord = { key, ms: Math.round(ms), at: new Date().toISOString() };
  const previous = (timings.stages[stage] ?? []).filter((r) => r.key !== key);
  const next: Timings = {
    version: 1,
    stages: { ...timings.stages, [stage]: [record, ...previous].slice(0, MAX_RECORDS) },
  };
  await writeFileAtomic(timingsPath(cacheRoot), `${JSON.stringify(next, null, 2)}\n`);
}

/** The time of the run with the same key if there is one, else of the stage's latest run. */
export function estimateFor(timings: Timings, stage: string, key: string | null = null): number | undefined {
  const records = timings.stages[stage] ?? [];
  const sameKey = key === null ? undefined : records.find((r) => r.key === key);
  return (sameKey ?? records[0])?.ms;
}

/** Keeps only well-formed records, so a hand-edited or older file cannot break estimates. */
function sanitize(value: unknown): Timings {
  if (typeof value !== "object" || value === null) return EMPTY;
  const stages = (value as { stages?: unknown }).stages;
  if (typeof stages !== "object" || stages === null) return EMPTY;
  const result: Record<string, TimingRecord[]> = {};
  for (const [stage, records] of Object.entries(stages)) {
    if (!Array.isArray(records)) continue;
    const valid = records.filter(isRecord);
    if (valid.length > 0) result[stage] = valid;
  }
  return { version: 1, stages: result };
}

function isRecord(value: unknown): value is TimingRecord {
  const r = value as Partial<TimingRecord> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    (r.key === null || typeof r.key === "string") &&
    typeof r.ms === "number" &&
    Number.isFinite(r.ms) &&
    r.ms >= 0 &&
    typeof r.at === "string"
  );
}
