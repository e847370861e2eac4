// What a command gets from the process: streams, environment, cwd and a cancel signal.
import type { Engine } from "../docker/types.js";

export interface CommandContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  /** Aborted on the first SIGINT/SIGTERM; commands clean up and return. */
  readonly signal: AbortSignal;
  /** The words typed after the program name, for metadata.json's reproducer line. */
  readonly argv: readonly string[];
  /** The Docker engine to use; default: the one DOCKER_HOST (in `env`) names. Tests pass a fake. */
  readonly engine?: () => Engine;
}

/** A command: parses its own arguments and returns an exit code; never calls process.exit. */
export type Command = (args: readonly string[], context: CommandContext) => Promise<number>;
