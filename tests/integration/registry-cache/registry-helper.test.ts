// The test registry itself: it starts on a free port, with and without htpasswd, and stops cleanly.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REGISTRY_PASSWORD, REGISTRY_USER, startRegistry } from "../../helpers/registry.js";

describe("tests/helpers/registry.ts", () => {
  it("serves the distribution API anonymously", async () => {
    await using registry = await startRegistry();
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
  });

  it("with htpasswd, refuses anonymous and wrong passwords and accepts the test account", async () => {
    const registry = await startRegistry({ htpasswd: true });
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm="levitate-test"/);
    expect((await fetch(`${registry.url}/v2/`, { headers: basic(REGISTRY_USER, "wrong") })).status).toBe(401);
    expect((await fetch(`${registry.url}/v2/`, { headers: basic(REGISTRY_USER, REGISTRY_PASSWORD) })).status).toBe(200);
    await registry.stop();
    expect(existsSync(registry.storage)).toBe(false);
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
  });
});
