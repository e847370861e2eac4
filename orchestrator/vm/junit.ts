// Boot check results as JUnit XML, the format CI systems display as test reports.
import { writeFileAtomic } from "../util/atomic.js";
import type { CheckResult } from "./boot-checks.js";

/** Escapes text for XML content and attributes; drops characters XML 1.0 cannot carry (terminal escapes, NUL). */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

export function junitXml(results: readonly CheckResult[], suiteName: string, options: { timestamp?: Date } = {}): string {
  const failures = results.filter((r) => !r.passed).length;
  const total = results.reduce((sum, r) => sum + r.durationMs, 0);
  const stamp = (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "");
  const attrs = `tests="${results.length}" failures="${failures}" errors="0" time="${seconds(total)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(suiteName)}" ${attrs}>`,
    `  <testsuite name="${xmlEscape(suiteName)}" ${attrs} skipped="0" timestamp="${stamp}">`,
  ];
  for (const result of results) {
    const classname = xmlEscape(`${suiteName}.${result.source.replace(/\.ya?ml$/, "")}`);
    lines.push(`    <testcase name="${xmlEscape(result.name)}" classname="${classname}" time="${seconds(result.durationMs)}">`);
    if (!result.passed) {
      const message = result.failures.join("; ");
      const body = [...result.failures, "", `$ ${result.command}`, result.output].join("\n");
      lines.push(`      <failure message="${xmlEscape(message)}" type="BootCheckFailure">${xmlEscape(body)}</failure>`);
    }
    lines.push(`      <system-out>${xmlEscape(`$ ${result.command}\n${result.output}`)}</system-out>`);
    lines.push("    </testcase>");
  }
  lines.push("  </testsuite>", "</testsuites>", "");
  return lines.join("\n");
}

export async function writeJUnit(results: readonly CheckResult[], suiteName: string, file: string): Promise<void> {
  await writeFileAtomic(file, junitXml(results, suiteName));
}
