// Runs a CLI command in-process with captured output and a fake engine: main() as a function call.
import { main } from "../../orchestrator/cli/main.js";
import type { Engine } from "../../orchestrator/docker/types.js";

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = "";
  const stream = { write: (chunk: string | Uint8Array) => ((text += String(chunk)), true), isTTY: false, columns: 80 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

export async function runMain(argv: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; engine: Engine }): Promise<Captured> {
  const out = sink();
  const err = sink();
  const code = await main(argv, { cwd: options.cwd, env: { CI: "true", ...options.env }, stdout: out.stream, stderr: err.stream, engine: () => options.engine });
  return { code, stdout: out.text(), stderr: err.text() };
}
