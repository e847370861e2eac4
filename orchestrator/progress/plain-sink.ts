// Plain mode for logs and CI: one timestamped line per event, log lines kept quiet,
// and a "still running" line every 30 s so a long stage visibly lives.
import { formatDuration } from "./format-duration.js";
import type { ProgressEvent, StageRow } from "./progress-state.js";
import { INITIAL_STATE, reduce } from "./progress-state.js";
import { cleanLine, fit } from "./render-frame.js";
import type { EventSink } from "./reporter.js";

/** A running stage (or outside activity) with no line for this long gets a "still running" line. */
export const PLAIN_HEARTBEAT_MS = 30_000;
const CHECK_EVERY_MS = 1_000;
const LAST_LINE_WIDTH = 100;

export function createPlainSink(options: { out: NodeJS.WritableStream; now: () => number }): EventSink {
  const { out, now } = options;
  const start = now();
  let state = INITIAL_STATE;
  /** When a line about each stage (or activity name) was last printed. */
  const lastPrinted = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;

  const print = (text: string, about?: string): void => {
    const at = now();
    if (about !== undefined) lastPrinted.set(about, at);
    out.write(`[${formatDuration(at - start).padStart(7)}] ${text}\n`);
  };

  const heartbeat = (): void => {
    const at = now();
    for (const row of state.stages) {
      if (row.state !== "running") continue;
      if (at - (lastPrinted.get(row.name) ?? row.startedAt ?? at) < PLAIN_HEARTBEAT_MS) continue;
      const elapsed = formatDuration(at - (row.startedAt ?? at));
      const last = shortLine(row.lastLog);
      print(`${row.name}: still running (${elapsed}${last === "" ? "" : `, last: ${last}`})`, row.name);
    }
    const activity = state.activity;
    if (activity !== null) {
      const since = lastPrinted.get(activity.name);
      // Only while it is still saying something: the toolchain build has no "finished" event.
      if (since === undefined) lastPrinted.set(activity.name, activity.at);
      else if (at - since >= PLAIN_HEARTBEAT_MS && activity.at > since) {
        const last = shortLine(activity.line);
        print(`${activity.name}: still working${last === "" ? "" : ` (last: ${last})`}`, activity.name);
      }
    }
  };

  return {
    handle(event: ProgressEvent): void {
      state = reduce(state, event, now());
      if (timer === null) {
        timer = setInterval(heartbeat, CHECK_EVERY_MS);
        timer.unref();
      }
      switch (event.event) {
        case "plan":
          for (const row of state.stages) print(planLine(row), row.name);
          return;
        case "stageStarted": {
          const row = state.stages.find((r) => r.name === event.stage);
          const estimate = row?.estimateMs === undefined ? "" : ` (took ${formatDuration(row.estimateMs)} last time)`;
          print(`${event.stage}: started${estimate}`, event.stage);
          return;
        }
        case "stageLog":
          return;
        case "stageFinished": {
          const took = formatDuration(event.durationMs);
          const detail = event.detail === undefined ? "" : `: ${event.detail}`;
          const outcome = event.ok ? `done in ${took}` : `FAILED after ${took}`;
          print(`${event.stage}: ${outcome}${detail}`, event.stage);
          return;
        }
        case "info":
          print(event.message);
          return;
        case "warn":
          print(`warning: ${event.message}`);
          return;
      }
    },
    close(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

function planLine(row: StageRow): string {
  const reason = row.reason === "" ? "" : ` (${row.reason})`;
  const estimate = row.state === "pending" && row.estimateMs !== undefined ? `, ~${formatDuration(row.estimateMs)}` : "";
  return `${row.name}: ${row.state}${reason}${estimate}`;
}

function shortLine(line: string | undefined): string {
  return line === undefined ? "" : fit(cleanLine(line), LAST_LINE_WIDTH);
}
