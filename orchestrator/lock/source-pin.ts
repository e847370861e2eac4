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
  const version = options.version ?? versionInFileName(file) ?? (file === pin.file ? pin.version : null);
  if (version === null) throw new UserError(`lock source: cannot tell the version of ${file} from its name`, { details: ["pass --version V"] });
  const sha256 = await sha256File(path);
  return { name, from: { version: pin.version, file: pin.file, sha256: pin.sha256 }, to: { version, file, sha256 }, path };
}

export function formatSourcePinChange(change: SourcePinChange): string[] {
  const keys = ["version", "file", "sha256"] as const;
  const lines = keys.filter((k) => change.from[k] !== change.to[k]).map((k) => `  ~ sources.${change.name}.${k}: ${change.from[k]} -> ${change.to[k]}`);
  return lines.length === 0 ? [`sources.${change.name}: up to date (${change.from.version}, sha256 ${change.from.sha256.slice(0, 12)})`] : [`sources.${change.name}:`, ...lines];
}
