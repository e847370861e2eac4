// The initramfs stage, run on the host in TypeScript: BusyBox + OpenRC tree + layout + config/files -> cpio.gz.
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StageDefinition } from "./stage.js";

/** Its own code is one of its inputs: the writer (initramfs/) and the stage runner (build/initramfs-stage). */
const here = fileURLToPath(new URL(".", import.meta.url));
const extension = extname(fileURLToPath(import.meta.url));

export const initramfsStage: StageDefinition = {
  name: "initramfs",
  where: "host",
  summary: "the initramfs, written on the host: BusyBox (+ OpenRC) + init layout + config/files -> cpio.gz",
  coldSeconds: 1,
  outputs: ["initramfs.cpio.gz", "initramfs.listing"],
  published: ["initramfs.cpio.gz"],
  invoke: (config, flavour) => ({
    needs: flavour === "openrc" ? ["busybox", "openrc"] : ["busybox"],
    files: [
      { role: "files", tree: config.files },
      { role: "code/initramfs", tree: join(here, "..", "initramfs"), extension },
      { role: "code/build", path: `initramfs-stage${extension}`, hostPath: join(here, "..", "build", `initramfs-stage${extension}`) },
    ],
    values: {
      flavour,
      name: config.name,
      hostname: config.hostname,
      "init.console": config.init.console,
      "init.login": config.init.login,
      ...(flavour === "openrc" ? { "openrc.runlevels": JSON.stringify(config.openrc.runlevels), "openrc.cgroups": String(config.openrc.cgroups) } : {}),
    },
  }),
};
