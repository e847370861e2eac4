// `levitate-docker disk create|list|rm`: qcow2 disks kept in a Docker volume, for `--disk NAME`.
import { UserError } from "../../errors/errors.js";
import { loadConfig } from "../../config/load.js";
import { ensureImage } from "../../toolchain/ensure-image.js";
import { runnerRecipe } from "../../toolchain/recipes.js";
import { createDisk, listDisks, removeDisk } from "../../vm/disks.js";
import type { Command } from "../context.js";
import { engineFor } from "../engine-for.js";
import { CONFIG_OPTIONS, parse } from "../options.js";

const HELP = `usage: levitate-docker disk <create NAME --size SIZE | list | rm NAME> [options]

Disks are qcow2 files in the Docker volume levitate-disks (no host paths), attached to a VM
with \`run --disk NAME\` or \`vm start --disk NAME\`; the guest sees /dev/vda. A new disk is
formatted ext2, so the guest can \`mount /dev/vda /mnt\` straight away (--blank: no filesystem).

options:
      --size SIZE   with create: e.g. 512M, 1G (default 1G)
      --blank       with create: no filesystem
  -c, --config FILE / -p, --profile NAME   which toolchain flavour's QEMU image to use
  -h, --help
`;

const units = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)}G` : `${(bytes / 2 ** 20).toFixed(1)}M`);

export const diskCommand: Command = async (args, context) => {
  const { values, positionals } = parse(
    "disk",
    args,
    { ...CONFIG_OPTIONS, size: { type: "string" }, blank: { type: "boolean" } },
    true,
  );
  const [action, name, ...extra] = positionals;
  if (values.help || action === undefined) {
    context.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new UserError(`disk ${action}: unexpected arguments: ${extra.join(" ")}`);
  const config = await loadConfig({
    cwd: context.cwd,
    env: context.env,
    ...(values.config === undefined ? {} : { configPath: values.config }),
    ...(values.profile === undefined ? {} : { profile: values.profile }),
  });
  const engine = engineFor(context);
  const recipe = await runnerRecipe(config);
  await ensureImage(engine, recipe, { onBuildStart: () => context.stderr.write(`building QEMU runner image ${recipe.tag} (once)\n`), signal: context.signal });
  const tool = { engine, runnerImage: recipe.tag, signal: context.signal };
  switch (action) {
    case "create": {
      if (name === undefined) throw new UserError("disk create: expected a NAME");
      await createDisk({ ...tool, name, size: values.size ?? "1G", filesystem: values.blank ? "none" : "ext2" });
      context.stdout.write(`created disk ${name} (${values.size ?? "1G"}${values.blank ? ", blank" : ", ext2"})\n`);
      return 0;
    }
    case "list": {
      const disks = await listDisks(tool);
      if (disks.length === 0) context.stdout.write("no disks (create one: levitate-docker disk create NAME --size 1G)\n");
      for (const d of disks) {
        context.stdout.write(`${d.name.padEnd(20)} ${units(d.virtualSizeBytes).padStart(7)} virtual ${units(d.actualSizeBytes).padStart(7)} used${d.usedBy.length ? `  used by ${d.usedBy.join(", ")}` : ""}\n`);
      }
      return 0;
    }
    case "rm": {
      if (name === undefined) throw new UserError("disk rm: expected a NAME");
      await removeDisk({ ...tool, name });
      context.stdout.write(`removed disk ${name}\n`);
      return 0;
    }
    default:
      throw new UserError(`disk: unknown action '${action}'`, { details: ["actions: create, list, rm"] });
  }
};
