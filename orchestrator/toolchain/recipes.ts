// What goes into the toolchain and QEMU runner images, and the tags that name that content.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import type { InputFile } from "../docker/types.js";
import { hashInputs, sha256 } from "../hash/sha256.js";
import { readLfFile } from "../util/line-endings.js";
import { packageRoot } from "../util/package-root.js";
import { LOCK_FILE_NAME, lockPath } from "../lock/image-locks.js";
import { readPackageLock } from "../lock/package-lock-file.js";
import type { PackageLock } from "../lock/package-lock-file.js";

export interface ImageRecipe {
  /** "toolchain" or "runner". */
  readonly kind: "toolchain" | "runner";
  /** e.g. levitate/toolchain:debian-1a2b3c4d5e6f */
  readonly tag: string;
  /** Hash of everything that goes into the image: files, flavour, base. */
  readonly key: string;
  readonly dockerfile: string;
  readonly context: readonly InputFile[];
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Per-file hashes, for --explain. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The flavour's package lock (its file is one of the hashed inputs). */
  readonly lock: PackageLock;
}

async function filesUnder(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full));
    }
  };
  await walk(join(root, dir));
  return out;
}

async function recipe(
  kind: "toolchain" | "runner",
  config: ResolvedConfig,
  dockerfile: string,
  dirs: readonly string[],
): Promise<ImageRecipe> {
  const flavour = config.toolchain.flavour;
  // Another flavour's package list and lock are not inputs: resolving the alpine lock must not rebuild debian images.
  const ofThisFlavour = (path: string) => {
    const match = LOCK_FILE_NAME.exec(path.slice(path.lastIndexOf("/") + 1));
    return match === null || match[1] === flavour;
  };
  const listed = (await Promise.all(dirs.map((d) => filesUnder(packageRoot, d)))).flat().filter(ofThisFlavour);
  const paths = [...new Set([dockerfile, ...listed])];
  const inputs: Record<string, string> = {
    "config:toolchain.flavour": config.toolchain.flavour,
    "config:toolchain.base": config.toolchain.base,
  };
  const context: InputFile[] = [];
  for (const path of paths) {
    const data = await readLfFile(join(packageRoot, path));
    inputs[`file:${path}`] = sha256(data);
    context.push({ path, data, mode: path.endsWith(".sh") ? 0o755 : 0o644 });
  }
  const key = hashInputs(inputs);
  const name = kind === "toolchain" ? "levitate/toolchain" : "levitate/qemu";
  return {
    kind,
    tag: `${name}:${config.toolchain.flavour}-${key.slice(0, 12)}`,
    key,
    dockerfile,
    context,
    buildArgs: { FLAVOUR: config.toolchain.flavour, BASE: config.toolchain.base },
    inputs,
    lock: await readPackageLock(join(packageRoot, lockPath(kind, flavour)), lockPath(kind, flavour)),
  };
}

export function toolchainRecipe(config: ResolvedConfig): Promise<ImageRecipe> {
  return recipe("toolchain", config, "Dockerfile.toolchain", ["images/lock", "images/toolchain"]);
}

export function runnerRecipe(config: ResolvedConfig): Promise<ImageRecipe> {
  return recipe("runner", config, "images/qemu/Dockerfile", ["images/lock", "images/qemu"]);
}
