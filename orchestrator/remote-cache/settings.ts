// Which registry the build reads from and writes to: flag, then environment, then config (pure).
import type { ResolvedConfig } from "../config/types.js";
import { parseRepository } from "../util/repository-reference.js";
import type { RepositoryRef } from "../util/repository-reference.js";

export interface CacheFlags {
  /** --cache-from REPO ("none" turns a configured one off). */
  readonly cacheFrom?: string;
  /** --cache-to REPO. */
  readonly cacheTo?: string;
}

export interface CacheSettings {
  readonly from: RepositoryRef | null;
  readonly to: RepositoryRef | null;
  /** Where each came from, for doctor and messages: "--cache-from", "LEVITATE_CACHE_FROM", "cache.registry". */
  readonly fromSource: string | null;
  readonly toSource: string | null;
}

function pick(candidates: readonly [string | undefined | null, string][]): { value: string; source: string } | null {
  for (const [value, source] of candidates) {
    if (value === undefined || value === null || value === "") continue;
    return value === "none" ? null : { value, source };
  }
  return null;
}

/**
 * --cache-from, else LEVITATE_CACHE_FROM, else `cache.registry` in the config; --cache-to, else
 * LEVITATE_CACHE_TO, else `cache.registry` when `cache.push: true`. "none" switches one off.
 * Throws UserError for a malformed repository.
 */
export function cacheSettings(flags: CacheFlags, env: NodeJS.ProcessEnv, config: Pick<ResolvedConfig, "cache"> | null): CacheSettings {
  const configured = config?.cache.registry ?? null;
  const from = pick([
    [flags.cacheFrom, "--cache-from"],
    [env.LEVITATE_CACHE_FROM, "LEVITATE_CACHE_FROM"],
    [configured, "cache.registry"],
  ]);
  const to = pick([
    [flags.cacheTo, "--cache-to"],
    [env.LEVITATE_CACHE_TO, "LEVITATE_CACHE_TO"],
    [config?.cache.push ? configured : null, "cache.registry (cache.push: true)"],
  ]);
  return {
    from: from === null ? null : parseRepository(from.value),
    to: to === null ? null : parseRepository(to.value),
    fromSource: from?.source ?? null,
    toSource: to?.source ?? null,
  };
}
