// Gathers everything that can change each stage's output, as named hashes (reads files, no Docker).
import { readdir, readFile, readlink, lstat } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";
import { basename, extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Flavour, ResolvedConfig } from "../config/types.js";
import { checkTreeFileSize, readTreeDir, unreadable } from "../initramfs/tree-read.js";
import { toolchainRecipe } from "../toolchain/recipes.js";
import { packageRoot } from "../util/package-root.js";
import { sha256 } from "./hash.js";
import { stagesFor } from "./stages.js";
import type { StageName } from "./stages.js";

/** Per stage: input name -> hash or value. Names read like "file:linux/levitate.config". */
export type StageInputs = Readonly<Record<StageName, Readonly<Record<string, string>>>>;

export interface CollectedInputs {
  readonly flavour: Flavour;
  readonly toolchainTag: string;
  readonly stages: Partial<StageInputs>;
}

async function hashFile(path: string): Promise<string> {
  return sha256(await readFile(path));
}

/** Files of the tree can be large: hashed as a stream, not read whole. */
async function hashFileStreaming(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw unreadable(path, error);
  }
  return hash.digest("hex");
}

/**
 * Every file, symlink and directory under `root`, with mode and content hash, named by their
 * path inside the tree ("files:etc/motd"): where the project lives does not change the key.
 */
export async function hashTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readTreeDir(dir)) {
      const full = join(dir, entry);
      const info = await lstat(full);
      const name = `files:${relative(root, full)}`;
      if (info.isDirectory()) {
        out[name] = `dir ${(info.mode & 0o777).toString(8)}`;
        await walk(full);
      } else if (info.isSymbolicLink()) out[name] = `symlink ${await readlink(full)}`;
      else if (info.isFile()) {
        checkTreeFileSize(full, info.size);
        out[name] = `${info.mode & 0o111 ? "exec" : "file"} ${await hashFileStreaming(full)}`;
      }
    }
  };
  await walk(root);
  return out;
}

/** The initramfs stage runs our own code on the host: its code is one of its inputs. */
async function hashHostCode(): Promise<string> {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const ext = extname(fileURLToPath(import.meta.url));
  const dirs = [join(here, "..", "initramfs"), join(here, "..", "stages")];
  const parts: string[] = [];
  for (const dir of dirs) {
    const names = (await readdir(dir)).filter((n) => n.endsWith(ext) && (dir.endsWith("initramfs") || n.startsWith("initramfs."))).sort();
    for (const n of names) parts.push(`${n}:${await hashFile(join(dir, n))}`);
  }
  return sha256(parts.join("\n"));
}

export async function collectInputs(config: ResolvedConfig, flavour: Flavour): Promise<CollectedInputs> {
  const toolchain = await toolchainRecipe(config);
  const script = async (stage: string) => ({
    [`script:images/stages/${stage}.sh`]: await hashFile(join(packageRoot, "images", "stages", `${stage}.sh`)),
  });
  const source = (key: string) => {
    const pin = config.sources[key]!;
    return { [`source:${key}`]: `${pin.file} ${pin.sha256}` };
  };
  const image = { "image:toolchain": toolchain.key };
  const stages: Partial<Record<StageName, Record<string, string>>> = {};
  for (const shape of stagesFor(flavour)) {
    switch (shape.name) {
      case "linux": {
        const patches: Record<string, string> = {};
        for (const [i, p] of config.kernel.patches.entries()) patches[`kernel.patches[${i}]`] = `${basename(p)} ${await hashFile(p)}`;
        stages.linux = {
          ...(await script("linux")),
          ...image,
          ...source(config.kernel.source),
          "file:kernel.fragment": await hashFile(config.kernel.fragment),
          ...patches,
        };
        break;
      }
      case "busybox":
        stages.busybox = {
          ...(await script("busybox")),
          ...image,
          ...source(config.busybox.source),
          "file:busybox.config": await hashFile(config.busybox.config),
        };
        break;
      case "openrc":
        stages.openrc = { ...(await script("openrc")), ...image, ...source(config.openrc.source) };
        break;
      case "initramfs":
        stages.initramfs = {
          "code:initramfs": await hashHostCode(),
          "config:flavour": flavour,
          "config:name": config.name,
          "config:hostname": config.hostname,
          "config:init.console": config.init.console,
          "config:init.login": config.init.login,
          ...(flavour === "openrc" ? { "config:openrc.runlevels": JSON.stringify(config.openrc.runlevels) } : {}),
          ...(await hashTree(config.files)),
        };
        break;
      case "iso":
        stages.iso = {
          ...(await script("iso")),
          ...image,
          "config:kernel.cmdline": config.kernel.cmdline,
          "config:name": config.name,
        };
        break;
    }
  }
  return { flavour, toolchainTag: toolchain.tag, stages };
}
