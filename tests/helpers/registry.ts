// A real OCI registry for tests: Debian's docker-registry (distribution 2.8) on 127.0.0.1, temporary storage, optional htpasswd.
import { startRegistry as start } from "../../orchestrator/bench/local-registry.js";
import type { StartedRegistry } from "../../orchestrator/bench/local-registry.js";

export { freePort } from "../../orchestrator/bench/local-registry.js";
export type { StartedRegistry } from "../../orchestrator/bench/local-registry.js";

/** The account the htpasswd variant accepts (bcrypt hash precomputed with `htpasswd -Bbn`). */
export const REGISTRY_USER = "levitate";
export const REGISTRY_PASSWORD = "cache-test-password";
const HTPASSWD_LINE = `${REGISTRY_USER}:$2y$05$raoykeCzzjnUSoakHkujiuI08lmW02SwlDUS6vNCk.iKwz2AMAQeK`;

export function startRegistry(options: { htpasswd?: boolean; binary?: string } = {}): Promise<StartedRegistry> {
  return start({
    ...(options.htpasswd ? { htpasswd: { username: REGISTRY_USER, password: REGISTRY_PASSWORD, line: HTPASSWD_LINE } } : {}),
    ...(options.binary === undefined ? {} : { binary: options.binary }),
  });
}
