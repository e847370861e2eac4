// mergeOverlay and setByOverlay: the overlay rules and the origin of each merged key.
import { describe, expect, it } from "vitest";
import { mergeOverlay, setByOverlay } from "../../../orchestrator/config/merge.js";

const base = {
  kernel: { source: "linux", patches: ["a.patch", "b.patch"], cmdline: "quiet" },
  vm: { memory: "256M", cpus: 1 },
  mirror: "/srv/mirror",
};

describe("mergeOverlay", () => {
  it("merges mappings recursively and lets scalars and sequences replace", () => {
    const overlay = { kernel: { patches: ["c.patch"] }, vm: { cpus: 2 }, mirror: null, name: "x" };
    expect(mergeOverlay(base, overlay)).toEqual({
      kernel: { source: "linux", patches: ["c.patch"], cmdline: "quiet" },
      vm: { memory: "256M", cpus: 2 },
      mirror: null,
      name: "x",
    });
  });

  it("replaces a mapping by a scalar and a scalar by a mapping", () => {
    expect(mergeOverlay(base, { vm: "big" })).toMatchObject({ vm: "big" });
    expect(mergeOverlay(base, { mirror: { path: "m" } })).toMatchObject({ mirror: { path: "m" } });
  });

  it("leaves both inputs untouched", () => {
    const overlay = { vm: { cpus: 4 } };
    mergeOverlay(base, overlay);
    expect(base.vm.cpus).toBe(1);
    expect(overlay).toEqual({ vm: { cpus: 4 } });
  });

  it("keeps a __proto__ key as plain data", () => {
    const overlay = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const merged = mergeOverlay({}, overlay) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("setByOverlay", () => {
  const overlay = { kernel: { patches: ["c.patch"] }, vm: "big" };
  it.each([
    [["kernel", "patches"], true],
    [["kernel", "patches", 0], true],
    [["kernel", "source"], false],
    [["kernel"], true],
    [["vm", "cpus"], true],
    [["mirror"], false],
    [["absent", "key"], false],
  ] as const)("%j is from the overlay: %s", (path, expected) => {
    expect(setByOverlay(path, base, overlay)).toBe(expected);
  });
});
