// `levitate-docker vm start|exec|logs|status|stop`: named VMs in the background, scriptable.
import { pipeline } from "node:stream/promises";
import { UserError } from "../../errors/errors.js";
import { timeoutScale } from "../../vm/accel.js";
import { describeForward } from "../../vm/network.js";
import { ConsoleClosedError, ConsoleTimeoutError, formatSeconds } from "../../vm/serial-console.js";
import { guestCommandLine, shellLineHint } from "../../vm/shell-quote.js";
import { describeBootEvent } from "../../vm/boot-events.js";
import { findVm, listVms, startVm } from "../../vm/vm.js";
import { checkName } from "../../vm/vm-paths.js";
import type { Command, CommandContext } from "../context.js";
import { parse } from "../options.js";
import { engineFor } from "../engine-for.js";
import { VM_HELP, VM_OPTIONS, prepareBoot } from "../vm-setup.js";

const HELP = `usage: levitate-docker vm <action> [NAME] [options]

  start [NAME]          build if needed, boot in the background (default name: levitate)
  exec NAME -- CMD...   run CMD with its arguments as given (like docker exec; a shell line needs
                        sh -c '...'); prints its output, exits with its exit code
  logs NAME [-f]        the serial console since boot (-f: follow)
  status                every VM, running or not
  stop NAME             poweroff in the guest, then stop/kill QEMU after --timeout; removes the VM

options for start:
${VM_HELP}
options for exec and stop:
      --timeout SECONDS   exec: for the command (default 60, x4 under TCG); stop: before killing (default 30)
options for logs:
  -f, --follow        keep printing as the guest writes
      --raw           the serial bytes as they came: CRs, terminal escapes and vm exec's markers
`;

const DEFAULT_NAME = "levitate";

function seconds(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UserError(`${what}: expected a number of seconds, got '${value}'`);
  return n;
}

async function start(values: Parameters<typeof prepareBoot>[0], name: string, context: CommandContext): Promise<number> {
  checkName("VM", name); // before the build, not after it
  const prepared = await prepareBoot(values, context, (event) => context.stderr.write(`${describeBootEvent(event)}\n`));
  const handle = await startVm(prepared.engine, { ...prepared.vm, name, detached: true });
  context.stdout.write(`started VM ${handle.name} (${handle.accel}: ${prepared.accel.reason})\n`);
  context.stderr.write(`  levitate-docker vm exec ${handle.name} -- uname -a\n  levitate-docker vm stop ${handle.name}\n`);
  return 0;
}

export const vmCommand: Command = async (args, context) => {
  const dash = args.indexOf("--");
  const own = dash < 0 ? args : args.slice(0, dash);
  const command = dash < 0 ? [] : args.slice(dash + 1);
  const { values, positionals } = parse(
    "vm",
    own,
    { ...VM_OPTIONS, timeout: { type: "string" }, follow: { type: "boolean", short: "f" }, raw: { type: "boolean" } },
    true,
  );
  const [action, name, ...extra] = positionals;
  if (values.help || action === undefined) {
    context.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UserError(`vm ${action}: unexpected arguments: ${extra.join(" ")} (put the guest command after --)`);
  const need = (): string => {
    if (name === undefined) throw new UserError(`vm ${action}: expected a VM name (see: levitate-docker vm status)`);
    return name;
  };
  if (action === "start") return start(values, name ?? DEFAULT_NAME, context);
  const engine = engineFor(context);
  switch (action) {
    case "exec": {
      const vm = need();
      const commandLine = guestCommandLine(command);
      const found = await findVm(engine, vm);
      const scale = timeoutScale(found.accel);
      const timeoutMs = seconds(values.timeout, 60, "--timeout") * 1000 * scale;
      const result = await found.exec(commandLine, { timeoutMs, shellTimeoutMs: 60_000 * scale, signal: context.signal }).catch((error: unknown) => {
        if (error instanceof ConsoleTimeoutError) {
          const limit = `${formatSeconds(timeoutMs)}${scale > 1 ? ` (--timeout x${scale} under TCG)` : ""}`;
          throw new UserError(`vm exec ${vm}: the command did not finish within ${limit}; it was interrupted with Ctrl-C`, {
            details: ["give it longer with --timeout SECONDS"],
          });
        }
        if (error instanceof ConsoleClosedError) throw new UserError(`vm exec ${vm}: the VM stopped while the command ran (see: levitate-docker vm logs ${vm})`);
        throw error;
      });
      context.stdout.write(result.output.endsWith("\n") || result.output === "" ? result.output : `${result.output}\n`);
      const hint = shellLineHint(command, result.exitCode, vm);
      if (hint !== null) context.stderr.write(`${hint}\n`);
      return result.exitCode;
    }
    case "logs": {
      const stream = await (await findVm(engine, need())).logs({ follow: values.follow === true, plain: values.raw !== true });
      await pipeline(stream, context.stdout, { end: false, signal: context.signal }).catch((error: unknown) => {
        if (!context.signal.aborted) throw error;
      });
      return 0;
    }
    case "status": {
      const vms = await listVms(engine);
      if (vms.length === 0) context.stdout.write("no VMs (start one: levitate-docker vm start NAME)\n");
      for (const vm of vms) {
        const ports = vm.forwards.length === 0 ? "" : `${vm.forwards.map(describeForward).join(", ")}  `;
        context.stdout.write(`${vm.name.padEnd(16)} ${vm.state.padEnd(8)} ${vm.accel.padEnd(4)} ${vm.boot.padEnd(9)} net ${vm.network.padEnd(5)} ${ports}${vm.disk ? `disk ${vm.disk}  ` : ""}${vm.status}\n`);
      }
      return 0;
    }
    case "stop": {
      const vm = need();
      const result = await (await findVm(engine, vm)).stop(seconds(values.timeout, 30, "--timeout") * 1000);
      const how = { poweroff: "powered off", stopped: "stopped (QEMU did not exit after poweroff)", killed: "killed", "not-running": "was not running" }[result.how];
      context.stdout.write(`VM ${vm} ${how}; removed\n`);
      return 0;
    }
    default:
      throw new UserError(`vm: unknown action '${action}'`, { details: ["actions: start, exec, logs, status, stop"] });
  }
};
