// `doctor`'s view of the registry cache: which repository, from where, and whether it can be read and written.
import { UserError } from "../errors/errors.js";
import { clientFor } from "./remote-cache.js";
import type { CacheSettings } from "./settings.js";

export interface CheckLine {
  /** A cache that cannot be read only costs time (the build falls back), so it is a warning; one that cannot be written fails --cache-to. */
  readonly state: "ok" | "warn" | "FAIL" | "info";
  readonly text: string;
}

export async function checkRegistryCache(settings: CacheSettings, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<CheckLine[]> {
  if (settings.from === null && settings.to === null) {
    return [{ state: "info", text: "registry cache: none (set cache.registry in the config, LEVITATE_CACHE_FROM/TO, or build --cache-from/--cache-to)" }];
  }
  const lines: CheckLine[] = [];
  const targets = [
    ...(settings.from === null ? [] : [{ ref: settings.from, source: settings.fromSource, write: false }]),
    ...(settings.to === null ? [] : [{ ref: settings.to, source: settings.toSource, write: true }]),
  ];
  for (const { ref, source, write } of targets) {
    const client = clientFor(ref, env, { push: write, ...(signal === undefined ? {} : { signal }) });
    const role = write ? "cache-to" : "cache-from";
    try {
      if (write) await client.checkWrite();
      else await client.checkRead();
      lines.push({ state: "ok", text: `registry cache (${role}, from ${source}): ${ref.display} can be ${write ? "written" : "read"} (${ref.baseUrl}, ${client.identity()})` });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      lines.push({
        state: write ? "FAIL" : "warn",
        text: `registry cache (${role}, from ${source}): ${error.message}${write ? "" : " (builds fall back to building)"}`,
      });
    }
  }
  return lines;
}
