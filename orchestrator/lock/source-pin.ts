// Plans moving a source pin (version, file, sha256) to a given file or to what the mirrors now hold; nothing is written here.
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import type { ResolvedConfig, SourcePin } from "../config/types.js";
import { UserError } from "../errors/errors.js";
import { sha256File } from "../hash/sha256.js";

export interface SourcePinChange {
  readonly name: string;
  readonly from: Pick<SourcePin, "version" | "file" | "sha256">;
  readonly to: Pick<SourcePin, "version" | "file" | "sha256">;
  /** Where the new bytes are. */
  readonly path: string;
}

/** "busybox-1.37.0.tar.bz2" -> "1.37.0"; null when the name carries no version. */
export function versionInFileName(file: string): string | null {
  return /-(\d+(?:\.\d+)+[a-z0-9.+~-]*?)\.(?:tar\.(?:gz|bz2|xz|zst)|tgz)$/.exec(file)?.[1] ?? null;
}

/**
 * The version of a file for a pin, without --version: the pin's own for the same bytes; else the one
 * in its name, unless the name is the pin's file name and says less than the pin (Debian's
 * `linux-source-6.12.tar.xz` holds 6.12.117, and the next build of it another 6.12.x: null, ask);
 * a name with no version keeps the pin's when it is the pin's file name.
 */
export function versionOf(file: string, sha256: string, pin: Pick<SourcePin, "version" | "file" | "sha256">): string | null {
  if (sha256 === pin.sha256) return pin.version;
  const named = versionInFileName(file);
  if (named === null) return file === pin.file ? pin.version : null;
  if (file === pin.file && pin.version.startsWith(`${named}.`)) return null;
  return named;
}

/**
 * From `file` when given; else the pin's file name in the mirrors (the config's, then the cache's),
 * which scripts/prepare-offline.sh refreshes from the archive. The version is `version` when given,
 * else the one in the file name, else (only for a file of the same name) the pin's own.
 */
export async function planSourcePin(
  config: ResolvedConfig,
  name: string,
  options: { file?: string; version?: string; cacheRoot: string },
): Promise<SourcePinChange> {
  const pin = config.sources[name];
  if (pin === undefined) throw new UserError(`lock source: no source '${name}' in the config`, { details: [`sources: ${Object.keys(config.sources).join(", ")}`] });
  let path: string;
  if (options.file !== undefined) {
    if (!existsSync(options.file)) throw new UserError(`lock source: ${options.file} does not exist`);
    path = options.file;
  } else {
    const dirs = [...(config.mirror === null ? [] : [config.mirror]), join(options.cacheRoot, "mirror")];
    const found = dirs.map((d) => join(d, pin.file)).find((p) => existsSync(p));
    if (found === undefined) {
      throw new UserError(`lock source: ${pin.file} is in no mirror (${dirs.join(", ")})`, {
        details: ["give the new file with --file PATH (and --version V when its name carries none)"],
      });
    }
    path = found;
  }
  const file = basename(path);
  const sha256 = await sha256File(path);
  const version = options.version ?? versionOf(file, sha256, pin);
  if (version === null) {
    const named = versionInFileName(file);
    throw new UserError(`lock source: cannot tell the version of ${file} from its name${named === null ? "" : ` (it says ${named}, the pin ${pin.version})`}`, { details: ["pass --version V"] });
  }
  return { name, from: { version: pin.version, file: pin.file, sha256: pin.sha256 }, to: { version, file, sha256 }, path };
}

export function formatSourcePinChange(change: SourcePinChange): string[] {
  const keys = ["version", "file", "sha256"] as const;
  const lines = keys.filter((k) => change.from[k] !== change.to[k]).map((k) => `  ~ sources.${change.name}.${k}: ${change.from[k]} -> ${change.to[k]}`);
  return lines.length === 0 ? [`sources.${change.name}: up to date (${change.from.version}, sha256 ${change.from.sha256.slice(0, 12)})`] : [`sources.${change.name}:`, ...lines];
}
