// Credentials come from LEVITATE_REGISTRY_AUTH, DOCKER_AUTH_CONFIG, then ~/.docker/config.json (helpers, auths, credsStore).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findCredentials } from "../../../orchestrator/remote-cache/credentials.js";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "levitate-creds-"));
});
afterEach(() => rm(home, { recursive: true, force: true }));

const basicAuth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");
const dockerConfig = (document: unknown) => writeFile(join(home, "config.json"), JSON.stringify(document));
const noHelper = async () => {
  throw new Error("no helper expected");
};

describe("findCredentials", () => {
  it("reads base64 auths from the Docker config, whatever form the key has", async () => {
    await dockerConfig({ auths: { "https://ghcr.io/v1/": { auth: basicAuth("me", "pa:ss") } } });
    expect(await findCredentials("ghcr.io", { env: { DOCKER_CONFIG: home }, runHelper: noHelper })).toEqual({
      username: "me",
      password: "pa:ss",
      source: join(home, "config.json"),
    });
  });

  it("prefers LEVITATE_REGISTRY_AUTH, then DOCKER_AUTH_CONFIG", async () => {
    await dockerConfig({ auths: { "ghcr.io": { auth: basicAuth("file", "x") } } });
    const env = { DOCKER_CONFIG: home, DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "ghcr.io": { auth: basicAuth("ci", "token") } } }) };
    expect(await findCredentials("ghcr.io", { env, runHelper: noHelper })).toMatchObject({ username: "ci", source: "DOCKER_AUTH_CONFIG" });
    expect(await findCredentials("ghcr.io", { env: { ...env, LEVITATE_REGISTRY_AUTH: "bot:secret" }, runHelper: noHelper })).toEqual({
      username: "bot",
      password: "secret",
      source: "LEVITATE_REGISTRY_AUTH",
    });
  });

  it("asks credHelpers for their host and credsStore for the rest", async () => {
    await dockerConfig({ credsStore: "desktop", credHelpers: { "ghcr.io": "gh" } });
    const asked: string[] = [];
    const runHelper = async (helper: string, key: string) => {
      asked.push(`${helper} ${key}`);
      return helper === "gh" ? { Username: "gh-user", Secret: "gh-secret" } : null;
    };
    expect(await findCredentials("ghcr.io", { env: { DOCKER_CONFIG: home }, runHelper })).toEqual({ username: "gh-user", password: "gh-secret", source: "docker-credential-gh" });
    expect(await findCredentials("quay.io", { env: { DOCKER_CONFIG: home }, runHelper })).toBeNull();
    expect(asked).toEqual(["gh ghcr.io", "desktop quay.io"]);
  });

  it("is anonymous without any, and says what is wrong with a malformed setting", async () => {
    expect(await findCredentials("ghcr.io", { env: { DOCKER_CONFIG: home }, runHelper: noHelper })).toBeNull();
    await expect(findCredentials("ghcr.io", { env: { DOCKER_CONFIG: home, LEVITATE_REGISTRY_AUTH: "nocolon" } })).rejects.toThrow(
      "LEVITATE_REGISTRY_AUTH: expected user:password (or user:token)",
    );
    await expect(findCredentials("ghcr.io", { env: { DOCKER_CONFIG: home, DOCKER_AUTH_CONFIG: "{" } })).rejects.toThrow(/DOCKER_AUTH_CONFIG: expected a JSON document/);
  });
});
