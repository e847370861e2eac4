// `levitate-docker run`: the guest's serial console on this terminal (raw mode); Ctrl-] quits.
import { runInteractive, ESCAPE_KEY_NAME } from "../../vm/run-interactive.js";
import type { Command } from "../context.js";
import { parse } from "../options.js";
import { describeBootEvent } from "../../vm/boot-events.js";
import { VM_HELP, VM_OPTIONS, prepareBoot } from "../vm-setup.js";

const HELP = `usage: levitate-docker run [--term] [options]

Builds what is out of date, then boots the ISO in QEMU inside a container with the serial
console attached to this terminal in raw mode (keys such as Ctrl-C go to the guest).
Press ${ESCAPE_KEY_NAME} to quit: the VM is stopped and removed, and the terminal restored.
\`poweroff\` in the guest ends it too.

options:
      --term          attach the console to this terminal (the default; kept for scripts)
      --name NAME     the VM's name while it runs (default: run-<random>)
${VM_HELP}
`;

export const runCommand: Command = async (args, context) => {
  const { values } = parse("run", args, { ...VM_OPTIONS, term: { type: "boolean" }, name: { type: "string" } });
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  const log = (line: string) => context.stderr.write(`${line}\r\n`);
  const prepared = await prepareBoot(values, context, (event) => context.stderr.write(`${describeBootEvent(event)}\n`));
  context.stderr.write(`accelerator: ${prepared.accel.accel} (${prepared.accel.reason})\n`);
  context.stderr.write(`console on this terminal; press ${ESCAPE_KEY_NAME} to quit\n`);
  const result = await runInteractive({
    engine: prepared.engine,
    vm: { ...prepared.vm, ...(values.name === undefined ? {} : { name: values.name }) },
    stdin: context.stdin,
    stdout: context.stdout,
    log,
    signal: context.signal,
  });
  if (result.ended === "poweroff") return result.exitCode ?? 0;
  return result.ended === "escape" ? 0 : 130;
};
