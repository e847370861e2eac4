// Repository references: which host, scheme and credential key a cache repository means.
import { describe, expect, it } from "vitest";
import { checkRepository, parseRepository } from "../../../orchestrator/util/repository-reference.js";

describe("parseRepository", () => {
  it("speaks plain HTTP to loopback hosts (as Docker does) and HTTPS elsewhere", () => {
    expect(parseRepository("127.0.0.1:5000/levitate/cache")).toEqual({
      display: "127.0.0.1:5000/levitate/cache",
      host: "127.0.0.1:5000",
      credentialKey: "127.0.0.1:5000",
      baseUrl: "http://127.0.0.1:5000",
      repository: "levitate/cache",
    });
    expect(parseRepository("localhost:5000/c").baseUrl).toBe("http://localhost:5000");
    expect(parseRepository("ghcr.io/org/levitate-cache")).toMatchObject({ baseUrl: "https://ghcr.io", repository: "org/levitate-cache", credentialKey: "ghcr.io" });
    expect(parseRepository("http://cache.lan:5000/x").baseUrl).toBe("http://cache.lan:5000");
  });

  it("maps Docker Hub names to its API host and credential key", () => {
    expect(parseRepository("team/cache")).toMatchObject({
      display: "docker.io/team/cache",
      host: "registry-1.docker.io",
      credentialKey: "https://index.docker.io/v1/",
      repository: "team/cache",
    });
    expect(parseRepository("cache").repository).toBe("library/cache");
  });

  it("refuses tags, digests and bad components, saying what is expected", () => {
    expect(checkRepository("ghcr.io/org/cache:latest")).toBe("cache repository 'ghcr.io/org/cache:latest': a repository takes no tag or digest; the tool names the tags");
    expect(checkRepository("ghcr.io/org/cache@sha256:00")).toMatch(/no tag or digest/);
    expect(checkRepository("ghcr.io/Org/cache")).toBe("cache repository 'ghcr.io/Org/cache': 'Org' is not a valid repository path component (lower-case letters, digits, '.', '_', '-')");
    expect(checkRepository("")).toMatch(/empty/);
    expect(checkRepository("127.0.0.1:5000/ok")).toBeNull();
  });
});
