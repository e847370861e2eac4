// Plans a refresh of the toolchain and runner package locks (resolve, diff) and applies it only when asked.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ToolchainFlavour } from "../config/types.js";
import type { Engine } from "../docker/types.js";
import { packageRoot } from "../util/package-root.js";
import { writeFileAtomic } from "../util/atomic.js";
import { LOCK_DIRS, diffPins, lockHeader, lockPath, packageNames } from "./image-locks.js";
import type { LockedImage, PinChange } from "./image-locks.js";
import { formatPackageLock, parsePackageLock } from "./package-lock-file.js";
import { resolvePackages } from "./resolve-packages.js";

export interface ImageLockRefresh {
  readonly image: LockedImage;
  /** Project-relative lock path. */
  readonly path: string;
  readonly changes: readonly PinChange[];
  /** The new file's text (the header changes when the base does). */
  readonly text: string;
  readonly unchanged: boolean;
}

/** The base a committed lock was resolved against (its `# base:` header line), or null. */
export function lockedBase(text: string): string | null {
  return /^#\s*base:\s*(\S+)/m.exec(text)?.[1] ?? null;
}

async function currentText(path: string): Promise<string> {
  try {
    return await readFile(join(packageRoot, path), "utf8");
  } catch {
    return "";
  }
}

/** The base to resolve against: the one given, else the one the committed toolchain lock records. */
export async function baseFor(flavour: ToolchainFlavour, given: string | null): Promise<string | null> {
  return given ?? lockedBase(await currentText(lockPath("toolchain", flavour)));
}

export async function planImageLockRefresh(
  engine: Engine,
  options: { flavour: ToolchainFlavour; base: string; signal?: AbortSignal },
): Promise<ImageLockRefresh[]> {
  const refreshes: ImageLockRefresh[] = [];
  for (const image of Object.keys(LOCK_DIRS) as LockedImage[]) {
    const path = lockPath(image, options.flavour);
    const names = await packageNames(image, options.flavour);
    const pins = await resolvePackages(engine, { flavour: options.flavour, base: options.base, names, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    const before = await currentText(path);
    const text = formatPackageLock(lockHeader(image, options.flavour, options.base), pins);
    refreshes.push({ image, path, changes: diffPins(before === "" ? [] : parsePackageLock(path, before), pins), text, unchanged: before === text });
  }
  return refreshes;
}

export async function applyImageLockRefresh(refreshes: readonly ImageLockRefresh[]): Promise<void> {
  for (const r of refreshes) if (!r.unchanged) await writeFileAtomic(join(packageRoot, r.path), r.text);
}
