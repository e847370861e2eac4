// `levitate-docker clean`: removes what levitate-docker left behind, found by its labels.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { LABEL_ROLE, LABEL_TOOL } from "../../docker/types.js";
import { DISK_VOLUME } from "../../vm/vm-paths.js";
import { engineFor } from "../engine-for.js";
import { cacheRoot } from "../../util/cache-root.js";
import type { Command } from "../context.js";
import { LABEL_OWNER, describeOwner, liveness, parseOwner, thisHost } from "../../ownership/owner.js";
import { parse } from "../options.js";

const HELP = `usage: levitate-docker clean [options]

Removes leftover stage containers (by the levitate-docker label), and the iso container a build
keeps warm for the next one (build.keep_warm); those of a build that is still running on this
machine are kept. With flags, also:
      --vms        stop and remove running VMs too
      --volumes    build trees, ccache and the sources volume of this volume prefix
                   (LEVITATE_VOLUME_PREFIX, default levitate; the next build is cold)
      --images     toolchain and QEMU runner images
      --cache      host cache: finished artifacts, verified downloads, remembered configs,
                   compressed initramfs pieces, digests of written metadata.json files
      --disks      VM disks (the levitate-disks volume): data written by guests is lost
      --all        all of the above except --disks
  -n, --dry-run    list what would be removed
  -h, --help       show this help

Nothing in a registry cache (--cache-to, cache.registry) is ever deleted: it is shared with
others; expire it with the registry's own tools.
`;

export const cleanCommand: Command = async (args, context) => {
  const { values } = parse("clean", args, {
    vms: { type: "boolean" },
    volumes: { type: "boolean" },
    images: { type: "boolean" },
    cache: { type: "boolean" },
    disks: { type: "boolean" },
    all: { type: "boolean" },
    "dry-run": { type: "boolean", short: "n" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  const all = values.all === true;
  const dry = values["dry-run"] === true;
  const say = (what: string) => context.stdout.write(`${dry ? "would remove" : "removed"} ${what}\n`);
  const engine = engineFor(context);
  const prefix = context.env.LEVITATE_VOLUME_PREFIX || "levitate";
  let count = 0;

  for (const c of await engine.containers.list({ [LABEL_TOOL]: "1" }, { all: true })) {
    const isVm = c.labels[LABEL_ROLE] === "vm";
    if (isVm && c.state === "running" && !(values.vms || all)) continue;
    // A running build's containers (and its locks) are not leftovers: its owner is alive.
    const owner = parseOwner(c.labels[LABEL_OWNER]);
    if (owner !== null && owner.pid !== process.pid && liveness(owner, thisHost) === "alive") {
      context.stdout.write(`kept container ${c.name} (${c.labels[LABEL_ROLE] ?? "?"}): in use by ${describeOwner(owner)}\n`);
      continue;
    }
    if (!dry) await engine.containers.remove(c.id);
    say(`container ${c.name} (${c.labels[LABEL_ROLE] ?? "?"}, ${c.state})`);
    count += 1;
  }
  if (values.volumes || all || values.disks) {
    for (const v of await engine.volumes.list({ [LABEL_TOOL]: "1" })) {
      // Disks hold guests' data: only --disks removes them; cache volumes only of this prefix (others may be building).
      const isDisk = v.name === DISK_VOLUME || v.labels[LABEL_ROLE] === "disks";
      if (isDisk ? !values.disks : !(values.volumes || all) || !v.name.startsWith(`${prefix}-`)) continue;
      if (!dry) await engine.volumes.remove(v.name);
      say(`volume ${v.name}`);
      count += 1;
    }
  }
  if (values.images || all) {
    for (const image of await engine.images.list({ [LABEL_TOOL]: "1" })) {
      if (image.labels["levitate-docker.scratch"] !== undefined) continue;
      if (!dry) await engine.images.remove(image.id);
      say(`image ${image.tags.join(", ") || image.id.slice(7, 19)}`);
      count += 1;
    }
  }
  if (values.cache || all) {
    const root = cacheRoot(context.env);
    for (const dir of ["artifacts", "downloads", "last", "configs", "initramfs-pieces", "metadata-written"]) {
      const path = join(root, dir);
      const present = await readdir(path).then(() => true, () => false);
      if (!present) continue;
      if (!dry) await rm(path, { recursive: true, force: true });
      say(`cache ${path}`);
      count += 1;
    }
  }
  if (count === 0) context.stdout.write("nothing to clean\n");
  return 0;
};
