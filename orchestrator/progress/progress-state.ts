// What the reporters know at any moment, as a value: events in, a new state out (no I/O).
import type { StagePlanLine } from "./reporter.js";

export type ProgressEvent =
  | { readonly event: "plan"; readonly stages: readonly StagePlanLine[] }
  | { readonly event: "stageStarted"; readonly stage: string }
  | { readonly event: "stageLog"; readonly stage: string; readonly line: string }
  | {
      readonly event: "stageFinished";
      readonly stage: string;
      readonly ok: boolean;
      readonly durationMs: number;
      readonly detail?: string;
    }
  | { readonly event: "info"; readonly message: string }
  | { readonly event: "warn"; readonly message: string };

export type StageState = "pending" | "cached" | "running" | "done" | "failed";

export interface StageRow {
  readonly name: string;
  readonly state: StageState;
  readonly reason: string;
  readonly estimateMs?: number;
  /** When it started (running, done, failed). */
  readonly startedAt?: number;
  /** How long it took (done, failed). */
  readonly durationMs?: number;
  /** Its latest log line, as received. */
  readonly lastLog?: string;
  /** When lastLog arrived. */
  readonly lastLogAt?: number;
  readonly detail?: string;
}

export interface ProgressState {
  readonly stages: readonly StageRow[];
  /** The latest log line of something that is not a planned stage (e.g. the toolchain image build). */
  readonly activity: { readonly name: string; readonly line: string; readonly at: number } | null;
}

export const INITIAL_STATE: ProgressState = { stages: [], activity: null };

export function reduce(state: ProgressState, event: ProgressEvent, now: number): ProgressState {
  switch (event.event) {
    case "plan":
      return {
        ...state,
        stages: event.stages.map((line) => ({
          name: line.name,
          state: line.state,
          reason: line.reason,
          ...(line.estimateMs === undefined ? {} : { estimateMs: line.estimateMs }),
        })),
      };
    case "stageStarted":
      return {
        activity: null,
        stages: upsert(state.stages, event.stage, (row) => ({
          name: row.name,
          state: "running",
          reason: row.reason,
          startedAt: now,
          ...(row.estimateMs === undefined ? {} : { estimateMs: row.estimateMs }),
        })),
      };
    case "stageLog":
      if (!state.stages.some((row) => row.name === event.stage)) {
        return { ...state, activity: { name: event.stage, line: event.line, at: now } };
      }
      return {
        ...state,
        stages: upsert(state.stages, event.stage, (row) => ({ ...row, lastLog: event.line, lastLogAt: now })),
      };
    case "stageFinished":
      return {
        ...state,
        stages: upsert(state.stages, event.stage, (row) => ({
          ...row,
          state: event.ok ? "done" : "failed",
          startedAt: row.startedAt ?? now - event.durationMs,
          durationMs: event.durationMs,
          ...(event.detail === undefined ? {} : { detail: event.detail }),
        })),
      };
    case "info":
    case "warn":
      return state;
  }
}

/** Applies `change` to the row called `name`, appending a fresh pending row if there is none. */
function upsert(rows: readonly StageRow[], name: string, change: (row: StageRow) => StageRow): StageRow[] {
  const index = rows.findIndex((row) => row.name === name);
  if (index === -1) return [...rows, change({ name, state: "pending", reason: "" })];
  return rows.map((row, i) => (i === index ? change(row) : row));
}
