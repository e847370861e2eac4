// Runs declared boot checks through the serial console and judges each against its expectations.
import type { BootCheck } from "./boot-check-file.js";
import { ConsoleClosedError, ConsoleTimeoutError, formatSeconds } from "./serial-console.js";
import type { SerialConsole } from "./serial-console.js";

export interface CheckResult {
  readonly name: string;
  readonly command: string;
  readonly passed: boolean;
  readonly durationMs: number;
  /** Null when the command did not finish (timeout, VM gone, not run). */
  readonly exitCode: number | null;
  readonly output: string;
  /** Why it failed, one line each; empty when it passed. */
  readonly failures: readonly string[];
  readonly source: string;
}

export interface RunBootChecksOptions {
  readonly console: SerialConsole;
  readonly checks: readonly BootCheck[];
  /** timeoutScale(accel): check timeouts are written for KVM speed. */
  readonly timeoutScale: number;
  /** Each result as soon as it is known (the boot-test reports it as an event). */
  readonly onResult?: (result: CheckResult) => void;
}

/** Runs every check in order; one that times out is interrupted (Ctrl-C) so the rest can still run. */
export async function runBootChecks(options: RunBootChecksOptions): Promise<CheckResult[]> {
  const report = options.onResult ?? (() => undefined);
  const results: CheckResult[] = [];
  let broken: string | null = null;
  for (const check of options.checks) {
    if (broken !== null) {
      const skipped = notRun(check, broken);
      results.push(skipped);
      report(skipped);
      continue;
    }
    const timeoutMs = check.timeoutSeconds * 1000 * options.timeoutScale;
    const started = Date.now();
    let result: CheckResult;
    try {
      const { output, exitCode } = await options.console.exec(check.run, timeoutMs);
      const failures = judge(check, output, exitCode);
      result = { ...base(check), passed: failures.length === 0, durationMs: Date.now() - started, exitCode, output, failures };
    } catch (error) {
      if (error instanceof ConsoleTimeoutError) {
        result = { ...base(check), passed: false, durationMs: Date.now() - started, exitCode: null, output: partialOutput(error), failures: [`did not finish within ${formatSeconds(timeoutMs)}`] };
        try {
          await options.console.interrupt(10_000 * options.timeoutScale);
        } catch {
          broken = `not run: the console did not answer after ${check.name} timed out`;
        }
      } else if (error instanceof ConsoleClosedError) {
        result = { ...base(check), passed: false, durationMs: Date.now() - started, exitCode: null, output: "", failures: ["the VM stopped while it ran"] };
        broken = `not run: the VM stopped during ${check.name}`;
      } else {
        throw error;
      }
    }
    results.push(result);
    report(result);
  }
  return results;
}

/** Every unmet expectation, phrased as expected/got. */
export function judge(check: BootCheck, output: string, exitCode: number): string[] {
  const failures: string[] = [];
  if (exitCode !== check.expect.exitCode) failures.push(`expected exit code ${check.expect.exitCode}, got ${exitCode}`);
  if (check.expect.output !== undefined && !output.includes(check.expect.output)) {
    failures.push(`expected the output to contain ${JSON.stringify(check.expect.output)}, got ${quoteOutput(output)}`);
  }
  if (check.expect.match !== undefined && !check.expect.match.test(output)) {
    failures.push(`expected the output to match /${check.expect.match.source}/, got ${quoteOutput(output)}`);
  }
  return failures;
}

function base(check: BootCheck) {
  return { name: check.name, command: check.run, source: check.source };
}

function notRun(check: BootCheck, why: string): CheckResult {
  return { ...base(check), passed: false, durationMs: 0, exitCode: null, output: "", failures: [why] };
}

function partialOutput(error: ConsoleTimeoutError): string {
  return error.lastLines.join("\n");
}

function quoteOutput(output: string): string {
  const trimmed = output.length > 200 ? `${output.slice(0, 200)}...` : output;
  return trimmed === "" ? "no output" : JSON.stringify(trimmed);
}
