// `levitate-docker lock`: refreshes the toolchain/runner package locks; shows the diff, writes only with --write.
import { loadConfig } from "../../config/load.js";
import type { ToolchainFlavour } from "../../config/types.js";
import { createEngine } from "../../docker/engine.js";
import { UserError } from "../../errors/errors.js";
import { formatPinChange } from "../../lock/image-locks.js";
import { applyImageLockRefresh, baseFor, planImageLockRefresh } from "../../lock/refresh-image-locks.js";
import { formatSourcePinChange, planSourcePin } from "../../lock/source-pin.js";
import { writeSourcePin } from "../../lock/write-source-pin.js";
import { cacheRoot } from "../../util/cache-root.js";
import type { Command, CommandContext } from "../context.js";
import { CONFIG_HELP, CONFIG_OPTIONS, parse } from "../options.js";

const HELP = `usage: levitate-docker lock toolchain [--flavour alpine|debian] [--base IMAGE] [--write | --check] [options]
       levitate-docker lock source NAME [--file PATH] [--version V] [--write] [options]

lock source: moves the pin of sources.NAME (version, file, sha256) to the bytes of PATH, or, without
--file, to the file of the pin's name in the mirrors (the config's mirror, then the cache's; this is
where scripts/prepare-offline.sh puts what the archive has now). The version comes from --version,
else from the file name. Shows the change; --write updates the config layer that defines the pin
(the profile when it overrides the source; comments are kept) and copies the file into the cache's
mirror.

lock toolchain:
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
      --file PATH     (source) the new source file
      --version V     (source) its version, when its name carries none
      --write         write the refreshed locks / the moved pin
      --check         exit 1 when the locks are not what the archive resolves to now
${CONFIG_HELP}
`;

export const lockCommand: Command = async (args, context) => {
  const { values, positionals } = parse(
    "lock",
    args,
    { ...CONFIG_OPTIONS, flavour: { type: "string" }, base: { type: "string" }, write: { type: "boolean" }, check: { type: "boolean" }, file: { type: "string" }, version: { type: "string" } },
    true,
  );
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  const [what, ...extra] = positionals;
  if (what === "source" && extra.length === 1) return lockSource(extra[0]!, values, context);
  if (what !== "toolchain" || extra.length > 0) {
    throw new UserError(`lock: expected 'toolchain' or 'source NAME', got '${positionals.join(" ")}'`, { details: ["see: levitate-docker lock --help"] });
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

async function lockSource(
  name: string,
  values: { config?: string; profile?: string; mirror?: string; file?: string; version?: string; write?: boolean; check?: boolean },
  context: CommandContext,
): Promise<number> {
  const config = await loadConfig({
    cwd: context.cwd,
    env: context.env,
    ...(values.config === undefined ? {} : { configPath: values.config }),
    ...(values.profile === undefined ? {} : { profile: values.profile }),
    ...(values.mirror === undefined ? {} : { mirror: values.mirror }),
  });
  const root = cacheRoot(context.env);
  const change = await planSourcePin(config, name, {
    cacheRoot: root,
    ...(values.file === undefined ? {} : { file: values.file }),
    ...(values.version === undefined ? {} : { version: values.version }),
  });
  const lines = formatSourcePinChange(change);
  context.stdout.write(lines.join("\n") + "\n");
  const moved = lines.length > 1;
  if (!moved) return 0;
  if (values.write === true) {
    const layer = await writeSourcePin(config, change, root);
    context.stdout.write(`wrote ${layer}; ${change.to.file} is in ${root}/mirror\n`);
    return 0;
  }
  context.stdout.write("not written: run again with --write to apply\n");
  return values.check === true ? 1 : 0;
}
