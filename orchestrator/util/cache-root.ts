// Where levitate-docker keeps its host caches (downloads, mirror, artifacts, timings).
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * `$LEVITATE_CACHE`, else `$XDG_CACHE_HOME/levitate-docker`, else `~/.cache/levitate-docker`.
 * Empty variables count as unset (as the XDG spec asks); the result is always absolute.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["LEVITATE_CACHE"];
  if (explicit !== undefined && explicit !== "") return resolve(explicit);
  const xdg = env["XDG_CACHE_HOME"];
  if (xdg !== undefined && xdg !== "") return resolve(xdg, "levitate-docker");
  const home = env["HOME"] !== undefined && env["HOME"] !== "" ? env["HOME"] : homedir();
  return resolve(join(home, ".cache", "levitate-docker"));
}
