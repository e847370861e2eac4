// The live progress block as plain lines, computed from state and time only, so tests can snapshot it.
import { formatDuration } from "./format-duration.js";
import type { ProgressState, StageRow, StageState } from "./progress-state.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;
const SYMBOLS: Readonly<Record<Exclude<StageState, "running">, string>> = {
  pending: "·",
  cached: "=",
  done: "✓",
  failed: "✗",
};
const STATE_WIDTH = "pending".length;

/**
 * One line per stage: symbol, name, state, time (elapsed while running, duration when
 * finished, "~estimate" from the last run while pending or running), then the reason
 * (pending, cached), the latest log line (running) or the detail (finished). A trailing
 * line shows output of something outside the plan, such as the toolchain image build.
 * Every line is at most `columns - 1` characters, so the terminal never wraps it.
 */
export function renderFrame(state: ProgressState, now: number, columns: number): string[] {
  const width = Math.max(20, Math.floor(columns)) - 1;
  const nameWidth = Math.max(0, ...state.stages.map((row) => row.name.length));
  const times = state.stages.map((row) => timeColumn(row, now));
  const timeWidth = Math.max(0, ...times.map((time) => time.length));
  const lines = state.stages.map((row, i) => {
    const columnsText = [row.name.padEnd(nameWidth), row.state.padEnd(STATE_WIDTH), (times[i] ?? "").padEnd(timeWidth)];
    const head = `${symbol(row, now)} ${columnsText.join("  ")}`;
    const tail = cleanLine(tailColumn(row));
    return fit(tail === "" ? head.trimEnd() : `${head}  ${tail}`, width);
  });
  if (state.activity !== null) {
    lines.push(fit(`  ${state.activity.name}: ${cleanLine(state.activity.line)}`, width));
  }
  return lines;
}

function symbol(row: StageRow, now: number): string {
  if (row.state !== "running") return SYMBOLS[row.state];
  return SPINNER[Math.floor(now / 100) % SPINNER.length] ?? SPINNER[0];
}

function timeColumn(row: StageRow, now: number): string {
  const estimate = row.estimateMs === undefined ? "" : `~${formatDuration(row.estimateMs)}`;
  switch (row.state) {
    case "pending":
      return estimate;
    case "cached":
      return "";
    case "running": {
      const elapsed = formatDuration(now - (row.startedAt ?? now));
      return estimate === "" ? elapsed : `${elapsed} / ${estimate}`;
    }
    case "done":
    case "failed":
      return formatDuration(row.durationMs ?? 0);
  }
}

function tailColumn(row: StageRow): string {
  switch (row.state) {
    case "pending":
    case "cached":
      return row.reason;
    case "running":
      return row.lastLog ?? "";
    case "done":
      return row.detail ?? "";
    case "failed":
      return row.detail ?? row.lastLog ?? "";
  }
}

/**
 * A log line made safe to print inside the block: only the text after the last carriage
 * return (progress meters), colour and other escape sequences removed, tabs and other
 * control characters turned into spaces, only the first line of several.
 */
export function cleanLine(line: string): string {
  const first = line.split("\n")[0] ?? "";
  const afterCr = first.slice(first.lastIndexOf("\r") + 1);
  return afterCr
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b[\s\S]?/g, "")
    .replace(/[\x00-\x1f\x7f]/g, " ")
    .trim();
}

/** Cuts `line` to `width` characters (code points), ending with "…" when something was cut. */
export function fit(line: string, width: number): string {
  const chars = Array.from(line);
  if (chars.length <= width) return line;
  return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}
