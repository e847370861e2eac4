// The CLI's main() in this process (no dist/ needed): its exit code and what it wrote, for unit tests of commands.
import { PassThrough } from "node:stream";
import type { CommandContext } from "../../orchestrator/cli/context.js";
import { main } from "../../orchestrator/cli/main.js";

export interface InProcessResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runMain(args: readonly string[], cwd: string): Promise<InProcessResult> {
  const collect = (stream: PassThrough): (() => string) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    return () => Buffer.concat(chunks).toString("utf8");
  };
  const [out, err] = [new PassThrough(), new PassThrough()];
  const [stdout, stderr] = [collect(out), collect(err)];
  const context = { stdout: out, stderr: err, cwd, env: {} } as unknown as Partial<CommandContext>;
  const exitCode = await main(args, context);
  return { exitCode, stdout: stdout(), stderr: stderr() };
}
