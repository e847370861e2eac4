// Which registry a build reads and writes: flag over environment over config; "none" switches off.
import { describe, expect, it } from "vitest";
import { cacheSettings } from "../../../orchestrator/remote-cache/settings.js";

const config = (registry: string | null, push = false) => ({ cache: { registry, push } });

describe("cacheSettings", () => {
  it("reads the configured registry, and writes it only with cache.push", () => {
    const read = cacheSettings({}, {}, config("ghcr.io/org/cache"));
    expect([read.from?.display, read.fromSource, read.to]).toEqual(["ghcr.io/org/cache", "cache.registry", null]);
    expect(cacheSettings({}, {}, config("ghcr.io/org/cache", true)).to?.display).toBe("ghcr.io/org/cache");
  });

  it("lets flags beat the environment and the environment beat the config", () => {
    const env = { LEVITATE_CACHE_FROM: "ghcr.io/env/from", LEVITATE_CACHE_TO: "ghcr.io/env/to" };
    const fromEnv = cacheSettings({}, env, config("ghcr.io/org/cache", true));
    expect([fromEnv.from?.display, fromEnv.to?.display, fromEnv.toSource]).toEqual(["ghcr.io/env/from", "ghcr.io/env/to", "LEVITATE_CACHE_TO"]);
    const fromFlags = cacheSettings({ cacheFrom: "127.0.0.1:5000/f", cacheTo: "127.0.0.1:5000/t" }, env, null);
    expect([fromFlags.from?.repository, fromFlags.to?.repository, fromFlags.fromSource]).toEqual(["f", "t", "--cache-from"]);
  });

  it("turns a configured cache off with none, and refuses a malformed repository", () => {
    expect(cacheSettings({ cacheFrom: "none" }, {}, config("ghcr.io/org/cache")).from).toBeNull();
    expect(() => cacheSettings({ cacheTo: "ghcr.io/org/cache:tag" }, {}, null)).toThrow(/a repository takes no tag or digest/);
  });
});
