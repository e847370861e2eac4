// Runs the real CLI (bin/levitate-docker.js over dist/) as a child process, the way users do.
import { execa } from "execa";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../bin/levitate-docker.js", import.meta.url));

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** The CLI process's pid (what its containers' owner label names). */
  readonly pid?: number;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly timeoutMs?: number;
}

export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const started = Date.now();
  const child = execa("node", [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { CI: "true", ...options.env },
    reject: false,
    timeout: options.timeoutMs ?? 1_500_000,
    stdin: "ignore",
  });
  const result = await child;
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    durationMs: Date.now() - started,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
  };
}

/** A failing CLI run's output, for assertion messages. */
export function explain(result: CliResult): string {
  return `exit ${result.exitCode}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`;
}
