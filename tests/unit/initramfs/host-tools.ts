// Runs the real archive tools (cpio, bsdtar, gzip, tar, sh) the initramfs tests check our output with.
import { spawnSync } from "node:child_process";

/** The Debian package that provides each tool the tests run. */
const PACKAGES: Readonly<Record<string, string>> = {
  cpio: "cpio",
  bsdtar: "libarchive-tools",
  gzip: "gzip",
  tar: "tar",
  sh: "dash",
  mkfifo: "coreutils",
};

export interface ToolResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly status: number | null;
}

/** Runs `command args` with `input` on stdin; a missing tool fails with the package to install. */
export function runTool(command: string, args: readonly string[], options: { input?: Uint8Array; cwd?: string } = {}): ToolResult {
  const result = spawnSync(command, args, {
    input: options.input ?? new Uint8Array(0),
    cwd: options.cwd,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new Error(`${command} is not installed; the initramfs tests need it: apt-get install -y ${PACKAGES[command] ?? command}`);
    }
    throw result.error;
  }
  return { stdout: result.stdout, stderr: result.stderr.toString("utf8"), status: result.status };
}

/** Like runTool, but fails unless the tool exits 0; returns stdout. */
export function runToolOk(command: string, args: readonly string[], options: { input?: Uint8Array; cwd?: string } = {}): Buffer {
  const result = runTool(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}
