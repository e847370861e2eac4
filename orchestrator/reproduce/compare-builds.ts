// Compares a recorded build with its rebuild, output by output, and finds the first stage whose outputs differ.
import type { BuildMetadata } from "../metadata/metadata-schema.js";

export interface OutputRow {
  readonly stage: string;
  readonly file: string;
  readonly recorded: string | null;
  readonly rebuilt: string | null;
  readonly same: boolean;
}

export interface BuildComparison {
  readonly rows: readonly OutputRow[];
  /** In build order; null when every output matches. */
  readonly firstDifferingStage: string | null;
  readonly identical: boolean;
}

export function compareBuilds(recorded: BuildMetadata, rebuilt: BuildMetadata): BuildComparison {
  const rows: OutputRow[] = [];
  for (const stage of recorded.stages) {
    const again = rebuilt.stages.find((s) => s.name === stage.name);
    const files = [...new Set([...Object.keys(stage.outputs), ...Object.keys(again?.outputs ?? {})])].sort();
    for (const file of files) {
      const a = stage.outputs[file]?.sha256 ?? null;
      const b = again?.outputs[file]?.sha256 ?? null;
      rows.push({ stage: stage.name, file, recorded: a, rebuilt: b, same: a !== null && a === b });
    }
  }
  for (const file of [...new Set([...Object.keys(recorded.outputs), ...Object.keys(rebuilt.outputs)])].sort()) {
    const a = recorded.outputs[file]?.sha256 ?? null;
    const b = rebuilt.outputs[file]?.sha256 ?? null;
    rows.push({ stage: "out/", file, recorded: a, rebuilt: b, same: a !== null && a === b });
  }
  const first = rows.find((r) => !r.same && r.stage !== "out/") ?? rows.find((r) => !r.same);
  return { rows, firstDifferingStage: first?.stage ?? null, identical: first === undefined && rows.length > 0 };
}

export function formatComparison(comparison: BuildComparison): string {
  const short = (d: string | null) => (d === null ? "(none)" : d.slice(0, 16));
  const header = ["stage", "file", "recorded", "rebuilt", ""];
  const body = comparison.rows.map((r) => [r.stage, r.file, short(r.recorded), short(r.rebuilt), r.same ? "same" : "DIFFERS"]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((row) => row[i]!.length)));
  return [header, ...body].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}
