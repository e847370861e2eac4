// The CLI: picks the command, wires Ctrl-C to a cancel signal, turns errors into exit codes.
import { InterruptedError, StageError, UserError, interruptedBy } from "../errors/errors.js";
import { toolVersion } from "../util/package-root.js";
import type { Command, CommandContext } from "./context.js";

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  init: { summary: "write a new project (config, profile, example service, kernel fragment) into DIR", load: async () => (await import("./commands/init.js")).initCommand },
  build: { summary: "build the ISO (or named stages) from config/levitate.yaml", load: async () => (await import("./commands/build.js")).buildCommand },
  fetch: { summary: "download and verify every source a build needs (then build offline)", load: async () => (await import("./commands/fetch.js")).fetchCommand },
  run: { summary: "boot the ISO in QEMU with its serial console on this terminal", load: async () => (await import("./commands/run.js")).runCommand },
  test: { summary: "boot headless, run the boot checks, power off", load: async () => (await import("./commands/test.js")).testCommand },
  vm: { summary: "named VMs in the background: start, exec, logs, status, stop", load: async () => (await import("./commands/vm.js")).vmCommand },
  disk: { summary: "persistent qcow2 disks: create, list, rm", load: async () => (await import("./commands/disk.js")).diskCommand },
  doctor: { summary: "check the engine, KVM, disk space, images and caches", load: async () => (await import("./commands/doctor.js")).doctorCommand },
  reproduce: { summary: "rebuild out/metadata.json's build from scratch and compare every output digest", load: async () => (await import("./commands/reproduce.js")).reproduceCommand },
  lock: { summary: "refresh the toolchain/runner package locks, or move a source pin (shows the diff; --write applies)", load: async () => (await import("./commands/lock.js")).lockCommand },
  clean: { summary: "remove leftover containers, volumes, images and caches", load: async () => (await import("./commands/clean.js")).cleanCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "levitate-docker: build and boot LevitateOS with nothing on the host but Node and Docker",
    "",
    "usage: levitate-docker <command> [options]",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'levitate-docker <command> --help' for a command's options.",
    "Typical: levitate-docker build && levitate-docker test   (no registry: add --profile offline)",
    "",
  ].join("\n");
}

export function formatError(error: unknown): { text: string; code: number } {
  if (error instanceof UserError) {
    const details = error.details.map((d) => `  ${d}`).join("\n");
    return { text: `error: ${error.message}${details ? `\n${details}` : ""}\n`, code: 1 };
  }
  if (error instanceof StageError) {
    const lines = [`error: ${error.message}`];
    if (error.lastLines.length > 0) lines.push(`last lines of its log:`, ...error.lastLines.map((l) => `  | ${l}`));
    if (error.logPath) lines.push(`full log: ${error.logPath}`);
    return { text: lines.join("\n") + "\n", code: 1 };
  }
  if (error instanceof InterruptedError) return { text: `interrupted: containers stopped and removed, nothing half-written kept\n`, code: 130 };
  const full = noSpace(error);
  if (full !== null) return { text: `error: ${full}\n`, code: 1 };
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { text: `internal error (a bug in levitate-docker; please report it):\n${stack}\n`, code: 70 };
}

export async function main(argv: readonly string[], streams: Partial<CommandContext> = {}): Promise<number> {
  const stdout = streams.stdout ?? process.stdout;
  const stderr = streams.stderr ?? process.stderr;
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    stderr.write(`error: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      stderr.write(`\n${signal}: stopping, cleaning up (press again to quit at once)\n`);
      controller.abort(new InterruptedError(signal === "SIGTERM" ? "SIGTERM" : "SIGINT"));
    } else process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const context: CommandContext = {
    cwd: streams.cwd ?? process.cwd(),
    env: streams.env ?? process.env,
    stdout,
    stderr,
    stdin: streams.stdin ?? process.stdin,
    signal: controller.signal,
    argv,
    ...(streams.engine === undefined ? {} : { engine: streams.engine }),
  };
  try {
    const command = await entry.load();
    return await command(rest, context);
  } catch (error) {
    const reported = controller.signal.aborted && !(error instanceof UserError) && !(error instanceof StageError)
      ? formatError(interruptedBy(controller.signal))
      : formatError(error);
    stderr.write(reported.text);
    return reported.code;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** A full disk (or quota) anywhere in the cause chain, said plainly: it is the user's to fix, not a bug. */
function noSpace(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth += 1) {
    const { code, path } = e as NodeJS.ErrnoException;
    if (code === "ENOSPC" || code === "EDQUOT") {
      const where = path === undefined ? "" : ` writing ${path}`;
      return `no space left on the device${where} (${code}); free some space or point LEVITATE_CACHE / LEVITATE_OUT elsewhere (nothing half-written was kept)`;
    }
  }
  return null;
}
