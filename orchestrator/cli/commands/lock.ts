// `levitate-docker lock`: refreshes the toolchain/runner package locks; shows the diff, writes only with --write.
import { loadConfig } from "../../config/load.js";
import type { ToolchainFlavour } from "../../config/types.js";
import { createEngine } from "../../docker/engine.js";
import { UserError } from "../../errors/errors.js";
import { formatPinChange } from "../../lock/image-locks.js";
import { applyImageLockRefresh, baseFor, planImageLockRefresh } from "../../lock/refresh-image-locks.js";
import type { Command } from "../context.js";
import { CONFIG_HELP, CONFIG_OPTIONS, parse } from "../options.js";

const HELP = `usage: levitate-docker lock toolchain [--flavour alpine|debian] [--base IMAGE] [--write | --check] [options]

Resolves the packages of the toolchain image (images/toolchain/FLAVOUR.packages) and of the QEMU
runner image (images/qemu/FLAVOUR.packages) to the newest versions the base image's package archive
offers (a dry-run install in a container of the base, with host networking), and shows how that
differs from the committed locks (images/toolchain/FLAVOUR.lock, images/qemu/FLAVOUR.lock).
Nothing is written unless --write is given. A changed lock changes the image tags, so the next
build rebuilds the images and every stage.

The flavour and base come from the config (with --profile); --flavour picks another flavour, whose
base is then the one its committed lock records (or --base).

options:
      --flavour NAME  alpine | debian (default: the config's toolchain.flavour)
      --base IMAGE    resolve against this base image
      --write         write the refreshed locks
      --check         exit 1 when the locks are not what the archive resolves to now
${CONFIG_HELP}
`;

export const lockCommand: Command = async (args, context) => {
  const { values, positionals } = parse(
    "lock",
    args,
    { ...CONFIG_OPTIONS, flavour: { type: "string" }, base: { type: "string" }, write: { type: "boolean" }, check: { type: "boolean" } },
    true,
  );
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  const [what, ...extra] = positionals;
  if (what !== "toolchain" || extra.length > 0) {
    throw new UserError(`lock: expected 'toolchain', got '${positionals.join(" ")}'`, { details: ["see: levitate-docker lock --help"] });
  }
  if (values.flavour !== undefined && values.flavour !== "alpine" && values.flavour !== "debian") {
    throw new UserError(`lock: --flavour must be alpine or debian, got '${values.flavour}'`);
  }
  const config = await loadConfig({
    cwd: context.cwd,
    env: context.env,
    ...(values.config === undefined ? {} : { configPath: values.config }),
    ...(values.profile === undefined ? {} : { profile: values.profile }),
  });
  const flavour: ToolchainFlavour = (values.flavour as ToolchainFlavour | undefined) ?? config.toolchain.flavour;
  const base = await baseFor(flavour, values.base ?? (flavour === config.toolchain.flavour ? config.toolchain.base : null));
  if (base === null) throw new UserError(`lock: no base image known for the ${flavour} flavour`, { details: ["pass --base IMAGE, or --profile NAME of a profile with that flavour"] });

  context.stderr.write(`resolving the ${flavour} toolchain and runner packages in ${base} ...\n`);
  const refreshes = await planImageLockRefresh(createEngine({ env: context.env }), { flavour, base, signal: context.signal });
  for (const r of refreshes) {
    if (r.changes.length === 0) context.stdout.write(`${r.path}: up to date${r.unchanged ? "" : " (header differs)"}\n`);
    else context.stdout.write([`${r.path}: ${r.changes.length} change(s)`, ...r.changes.map((c) => `  ${formatPinChange(c)}`)].join("\n") + "\n");
  }
  const stale = refreshes.filter((r) => !r.unchanged);
  if (values.write === true) {
    await applyImageLockRefresh(refreshes);
    context.stdout.write(stale.length === 0 ? "nothing to write\n" : `wrote ${stale.map((r) => r.path).join(", ")}\n`);
    return 0;
  }
  if (stale.length > 0) context.stdout.write("not written: run again with --write to apply\n");
  return values.check === true && stale.length > 0 ? 1 : 0;
};
