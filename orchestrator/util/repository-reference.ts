// A cache repository as users write it ("127.0.0.1:5000/team/levitate", "ghcr.io/org/cache") -> where to send requests (a leaf: config checks it too).
import { UserError } from "../errors/errors.js";

export interface RepositoryRef {
  /** As given (without a scheme), for messages: "ghcr.io/org/cache". */
  readonly display: string;
  /** Host (and port) requests go to: "ghcr.io", "registry-1.docker.io". */
  readonly host: string;
  /** The key credentials are stored under in ~/.docker/config.json ("ghcr.io", "https://index.docker.io/v1/"). */
  readonly credentialKey: string;
  /** "https://ghcr.io" or, for loopback hosts and an explicit http://, "http://127.0.0.1:5000". */
  readonly baseUrl: string;
  /** The repository path: "org/cache". */
  readonly repository: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

/** What a repository reference must look like, for error messages and help. */
export const REPOSITORY_FORMAT = "a repository like ghcr.io/org/levitate-cache or 127.0.0.1:5000/levitate (no tag; http:// for a plain-HTTP registry)";

/** Is the host part of a reference a loopback address (where Docker also speaks plain HTTP)? */
function isLoopback(host: string): boolean {
  const name = host.replace(/:[0-9]+$/, "").replace(/^\[|\]$/g, "");
  return name === "localhost" || name === "::1" || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** Returns null and a reason instead of throwing, so config validation can collect it. */
export function checkRepository(text: string): string | null {
  try {
    parseRepository(text);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export function parseRepository(text: string): RepositoryRef {
  const fail = (why: string): never => {
    throw new UserError(`cache repository '${text}': ${why}`, { details: [`expected ${REPOSITORY_FORMAT}`] });
  };
  let rest = text.trim();
  let scheme: "http" | "https" | null = null;
  const explicit = /^(https?):\/\//.exec(rest);
  if (explicit) {
    scheme = explicit[1] as "http" | "https";
    rest = rest.slice(explicit[0].length);
  }
  if (rest === "") fail("empty");
  if (/[@]/.test(rest) || /:[^/]*$/.test(rest.split("/").slice(1).join("/"))) fail("a repository takes no tag or digest; the tool names the tags");
  const parts = rest.split("/");
  const first = parts[0]!;
  const hasHost = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("["));
  let host: string;
  let path: string[];
  if (hasHost) {
    if (!HOST.test(first)) fail(`'${first}' is not a host name with an optional port`);
    host = first;
    path = parts.slice(1);
  } else {
    host = "docker.io";
    path = parts.length === 1 ? ["library", first] : parts;
  }
  for (const component of path) {
    if (!COMPONENT.test(component)) fail(`'${component}' is not a valid repository path component (lower-case letters, digits, '.', '_', '-')`);
  }
  const dockerHub = host === "docker.io" || host === "index.docker.io";
  const requestHost = dockerHub ? "registry-1.docker.io" : host;
  const useScheme = scheme ?? (isLoopback(host) ? "http" : "https");
  return {
    display: `${dockerHub ? "docker.io" : host}/${path.join("/")}`,
    host: requestHost,
    credentialKey: dockerHub ? "https://index.docker.io/v1/" : host,
    baseUrl: `${useScheme}://${requestHost}`,
    repository: path.join("/"),
  };
}
