// The progress interface the build talks to, and the factory that picks how it is shown.
import { createJsonSink } from "./json-sink.js";
import { createPlainSink } from "./plain-sink.js";
import type { ProgressEvent } from "./progress-state.js";
import { createTtySink } from "./tty-sink.js";

export interface StagePlanLine {
  name: string;
  state: "pending" | "cached";
  reason: string;
  /** How long the stage took last time (see timings.ts), shown as "~4m15s". */
  estimateMs?: number;
}

export interface StageResult {
  ok: boolean;
  durationMs: number;
  detail?: string;
}

export interface ProgressReporter {
  plan(stages: readonly StagePlanLine[]): void;
  stageStarted(name: string): void;
  /** One line of the stage's output (the full log goes to its log file elsewhere). */
  stageLog(name: string, line: string): void;
  stageFinished(name: string, result: StageResult): void;
  info(message: string): void;
  warn(message: string): void;
  /** Stops timers and leaves the output final; later calls are ignored. */
  close(): void;
}

export type ReporterMode = "tty" | "plain" | "json";

export interface ReporterOptions {
  /** tty: a live block redrawn in place; plain: one line per event (CI); json: one object per line. */
  mode: ReporterMode;
  out: NodeJS.WritableStream;
  /** Wall clock in ms (json "time" fields, elapsed times). Defaults to Date.now. */
  now?: () => number;
  /** Terminal width for tty mode; defaults to `out.columns`, then 80. */
  columns?: number;
}

/** Where a reporter's events go; each mode is one of these. */
export interface EventSink {
  handle(event: ProgressEvent): void;
  close(): void;
}

export function createReporter(options: ReporterOptions): ProgressReporter {
  const now = options.now ?? Date.now;
  const sink = sinkFor(options, now);
  let closed = false;
  const send = (event: ProgressEvent): void => {
    if (!closed) sink.handle(event);
  };
  return {
    plan: (stages) => send({ event: "plan", stages: stages.map((s) => ({ ...s })) }),
    stageStarted: (stage) => send({ event: "stageStarted", stage }),
    stageLog: (stage, line) => send({ event: "stageLog", stage, line }),
    stageFinished: (stage, result) =>
      send({
        event: "stageFinished",
        stage,
        ok: result.ok,
        durationMs: result.durationMs,
        ...(result.detail === undefined ? {} : { detail: result.detail }),
      }),
    info: (message) => send({ event: "info", message }),
    warn: (message) => send({ event: "warn", message }),
    close: () => {
      if (closed) return;
      closed = true;
      sink.close();
    },
  };
}

function sinkFor(options: ReporterOptions, now: () => number): EventSink {
  switch (options.mode) {
    case "tty":
      return createTtySink({ out: options.out, now, ...(options.columns === undefined ? {} : { columns: options.columns }) });
    case "plain":
      return createPlainSink({ out: options.out, now });
    case "json":
      return createJsonSink({ out: options.out, now });
  }
}
