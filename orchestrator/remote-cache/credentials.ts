// Registry credentials from where users already keep them; the secret is never printed, only its source.
import { execa } from "execa";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors/errors.js";

export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** Where they came from, for messages: "LEVITATE_REGISTRY_AUTH", "~/.docker/config.json", "docker-credential-pass". */
  readonly source: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export interface CredentialOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Runs `docker-credential-<name> get`; replaceable in tests. */
  readonly runHelper?: (helper: string, serverKey: string) => Promise<{ Username: string; Secret: string } | null>;
}

/** "https://ghcr.io/v1/" -> "ghcr.io": how Docker compares the keys of `auths`. */
function normaliseKey(key: string): string {
  return key.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
}

/**
 * Credentials for a registry, first found wins: LEVITATE_REGISTRY_AUTH ("user:password", for the
 * cache registry), DOCKER_AUTH_CONFIG (a config.json document, as GitLab CI sets it), then
 * $DOCKER_CONFIG/config.json or ~/.docker/config.json (credHelpers, auths, credsStore). Null: anonymous.
 */
export async function findCredentials(credentialKey: string, options: CredentialOptions): Promise<Credentials | null> {
  const { env } = options;
  const direct = env.LEVITATE_REGISTRY_AUTH;
  if (direct !== undefined && direct !== "") {
    const colon = direct.indexOf(":");
    if (colon <= 0) throw new UserError("LEVITATE_REGISTRY_AUTH: expected user:password (or user:token)");
    return { username: direct.slice(0, colon), password: direct.slice(colon + 1), source: "LEVITATE_REGISTRY_AUTH" };
  }
  const documents: { config: DockerConfig; source: string }[] = [];
  if (env.DOCKER_AUTH_CONFIG !== undefined && env.DOCKER_AUTH_CONFIG !== "") {
    try {
      documents.push({ config: JSON.parse(env.DOCKER_AUTH_CONFIG) as DockerConfig, source: "DOCKER_AUTH_CONFIG" });
    } catch (error) {
      throw new UserError("DOCKER_AUTH_CONFIG: expected a JSON document like ~/.docker/config.json ({\"auths\": {...}})", { cause: error });
    }
  }
  const configDir = env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), ".docker");
  const configPath = join(configDir, "config.json");
  try {
    documents.push({ config: JSON.parse(await readFile(configPath, "utf8")) as DockerConfig, source: env.DOCKER_CONFIG ? configPath : "~/.docker/config.json" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new UserError(`${configPath}: cannot read the Docker client config: ${(error as Error).message}`, { cause: error });
    }
  }
  const host = normaliseKey(credentialKey);
  const runHelper = options.runHelper ?? credentialHelper;
  for (const { config, source } of documents) {
    const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => normaliseKey(key) === host)?.[1];
    if (helper !== undefined) return fromHelper(helper, credentialKey, runHelper);
    const entry = Object.entries(config.auths ?? {}).find(([key]) => normaliseKey(key) === host)?.[1];
    if (entry !== undefined) {
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
      }
      if (entry.username && entry.password) return { username: entry.username, password: entry.password, source };
      if (entry.identitytoken) {
        throw new UserError(`${source}: the entry for ${credentialKey} holds an identity token, which levitate-docker cannot use`, {
          details: ["log in with a username and password or access token (docker login), or set LEVITATE_REGISTRY_AUTH=user:token"],
        });
      }
    }
    if (config.credsStore) {
      const stored = await fromHelper(config.credsStore, credentialKey, runHelper);
      if (stored !== null) return stored;
    }
  }
  return null;
}

async function fromHelper(
  helper: string,
  credentialKey: string,
  runHelper: NonNullable<CredentialOptions["runHelper"]>,
): Promise<Credentials | null> {
  const answer = await runHelper(helper, credentialKey);
  if (answer === null || answer.Secret === "") return null;
  return { username: answer.Username, password: answer.Secret, source: `docker-credential-${helper}` };
}

/** The credential-helper protocol: the server URL on stdin, JSON on stdout; "not found" is no credentials. */
async function credentialHelper(helper: string, serverKey: string): Promise<{ Username: string; Secret: string } | null> {
  const program = `docker-credential-${helper}`;
  const result = await execa(program, ["get"], { input: serverKey, reject: false, timeout: 30_000 });
  if (result.exitCode === 0) {
    try {
      return JSON.parse(String(result.stdout)) as { Username: string; Secret: string };
    } catch (error) {
      throw new UserError(`${program}: its answer for ${serverKey} is not JSON`, { cause: error });
    }
  }
  const said = `${String(result.stdout)} ${String(result.stderr)}`.trim();
  if (/not found/i.test(said)) return null;
  if ((result as { code?: string }).code === "ENOENT" || /ENOENT/.test(String(result.message))) {
    throw new UserError(`the Docker config names the credential helper '${helper}', but ${program} is not on PATH`);
  }
  throw new UserError(`${program} get failed for ${serverKey}: ${said.slice(0, 200) || `exit ${result.exitCode}`}`);
}
