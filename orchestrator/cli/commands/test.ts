// `levitate-docker test`: build if needed, boot headless, time to shell, run the boot checks, power off.
import { constants, existsSync } from "node:fs";
import { access, mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../../errors/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { packageRoot } from "../../util/package-root.js";
import { loadBootChecks } from "../../vm/boot-check-file.js";
import type { BootCheck } from "../../vm/boot-check-file.js";
import { normaliseBootLog } from "../../vm/boot-log.js";
import { describeBootEvent } from "../../vm/boot-events.js";
import type { BootEvent, BootEventHandler } from "../../vm/boot-events.js";
import { bootTest } from "../../vm/boot-test.js";
import { formatTimeline } from "../../vm/boot-timeline.js";
import { writeJUnit } from "../../vm/junit.js";
import { formatSeconds } from "../../vm/serial-console.js";
import { serviceChecks } from "../../vm/service-checks.js";
import type { Command, CommandContext } from "../context.js";
import { parse } from "../options.js";
import { VM_HELP, VM_OPTIONS, prepareBoot } from "../vm-setup.js";

const HELP = `usage: levitate-docker test [options]

Builds what is out of date, boots the ISO headless in QEMU (in a container), waits for the
shell, prints the time to it and the guest's \`uname -r\`, runs the boot checks, powers off.
Exits 0 only if every check passed. Checks: tests/boot/basic.yaml, plus tests/boot/openrc.yaml
and "every configured service is started" for the OpenRC flavour, or the files given.

options:
${VM_HELP}
      --checks FILE   a checks file (repeatable; replaces the default files)
      --junit FILE    write the results as JUnit XML
      --serial-log FILE   write the whole serial console there
      --boot-log FILE     write the normalised boot log (userspace lines, no times) there
  -v, --verbose       print where the time to shell went (QEMU start and firmware, boot loader,
                      kernel, init, OpenRC) from the serial lines' arrival and printk times
`;

/** Events the summary on stdout reports itself. */
const SUMMARISED: ReadonlySet<BootEvent["type"]> = new Set(["check", "kernel-release", "shell", "accelerator"]);

async function defaultCheckFiles(context: CommandContext, minimal: boolean): Promise<string[]> {
  const local = join(context.cwd, "tests", "boot");
  const dir = existsSync(local) ? local : join(packageRoot, "tests", "boot");
  const names = (await readdir(dir)).filter((n) => n.endsWith(".yaml")).sort();
  return names.filter((n) => n === "basic.yaml" || (!minimal && n === "openrc.yaml")).map((n) => join(dir, n));
}

export const testCommand: Command = async (args, context) => {
  const { values } = parse("test", args, {
    ...VM_OPTIONS,
    checks: { type: "string", multiple: true },
    junit: { type: "string" },
    "serial-log": { type: "string" },
    "boot-log": { type: "string" },
    verbose: { type: "boolean", short: "v" },
  });
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  if (values.disk !== undefined) throw new UserError("test: --disk is for run and vm start; test boots a throwaway VM");
  // Progress on stderr, except what the summary on stdout says anyway.
  const onEvent: BootEventHandler = (event) => {
    if (!SUMMARISED.has(event.type) && !(event.type === "poweroff" && event.clean)) context.stderr.write(`${describeBootEvent(event)}\n`);
  };
  const files = values.checks?.map((f) => resolve(context.cwd, f)) ?? (await defaultCheckFiles(context, values.minimal === true));
  const checks: BootCheck[] = [];
  for (const file of files) checks.push(...(await loadBootChecks(file)));
  // Where the results go, checked before the boot, not found out after it.
  const absolute = (file: string | undefined) => (file === undefined ? undefined : resolve(context.cwd, file));
  const outputs = { junit: absolute(values.junit), "serial-log": absolute(values["serial-log"]), "boot-log": absolute(values["boot-log"]) };
  for (const [option, file] of Object.entries(outputs)) if (file !== undefined) await checkWritable(`--${option}`, file);
  const prepared = await prepareBoot(values, context, onEvent);
  if (values.minimal !== true && values.checks === undefined) checks.push(...serviceChecks(prepared.config, prepared.config.configFile));

  context.stdout.write(`accelerator: ${prepared.accel.accel} (${prepared.accel.reason})\n`);
  const result = await bootTest({
    engine: prepared.engine,
    vm: prepared.vm,
    checks,
    ...(outputs["serial-log"] === undefined ? {} : { transcriptFile: outputs["serial-log"] }),
    onEvent,
    signal: context.signal,
  });
  context.stdout.write(`booted to a shell in ${formatSeconds(result.timeToShellMs)} (${result.accel}${prepared.vm.uefi ? ", UEFI" : ", BIOS"})\n`);
  if (values.verbose === true) context.stdout.write(["boot timeline:", ...formatTimeline(result.timeline), ""].join("\n"));
  context.stdout.write(`uname -r: ${result.kernelRelease}\n`);
  const failed = result.results.filter((r) => !r.passed);
  for (const r of result.results) {
    context.stdout.write(`  ${r.passed ? "ok  " : "FAIL"} ${r.name} (${formatSeconds(r.durationMs)})\n`);
    for (const failure of r.failures) context.stdout.write(`         ${failure}\n`);
  }
  context.stdout.write(`checks: ${result.results.length - failed.length} passed, ${failed.length} failed\n`);
  context.stdout.write(result.poweredOff ? "powered off cleanly\n" : "poweroff did not end QEMU; the VM was killed\n");
  if (outputs.junit !== undefined) {
    await writeJUnit(result.results, `levitate-docker boot (${values.minimal ? "minimal" : "openrc"}, ${result.accel})`, outputs.junit).catch(cannotWrite("--junit", outputs.junit));
  }
  if (outputs["boot-log"] !== undefined) {
    await writeFileAtomic(outputs["boot-log"], normaliseBootLog(result.transcript)).catch(cannotWrite("--boot-log", outputs["boot-log"]));
  }
  return failed.length === 0 && result.poweredOff ? 0 : 1;
};

/** A file option's path must be writable: its directory exists or can be made, and it is not a directory itself. */
async function checkWritable(option: string, file: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await access(dirname(file), constants.W_OK);
    if ((await stat(file).catch(() => null))?.isDirectory() === true) throw Object.assign(new Error("it is a directory"), { code: "EISDIR" });
  } catch (error) {
    cannotWrite(option, file)(error);
  }
}

function cannotWrite(option: string, file: string): (error: unknown) => never {
  return (error) => {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EEXIST" || code === "ENOTDIR" ? `a file stands where its directory ${dirname(file)} would be`
      : code === "EACCES" || code === "EPERM" || code === "EROFS" ? `no permission to write in ${dirname(file)}`
      : code === "EISDIR" ? "it is a directory"
      : (error as Error).message;
    throw new UserError(`test ${option} ${file}: cannot write there: ${why}`);
  };
}
