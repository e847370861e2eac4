// The cache root's precedence: LEVITATE_CACHE, then XDG_CACHE_HOME, then ~/.cache.
import { describe, expect, it } from "vitest";
import { partialOwner } from "../../../orchestrator/util/atomic.js";
import { cacheRoot } from "../../../orchestrator/util/cache-root.js";

describe("cacheRoot", () => {
  it("prefers LEVITATE_CACHE, then XDG_CACHE_HOME, then HOME/.cache", () => {
    const env = { LEVITATE_CACHE: "/c/lev", XDG_CACHE_HOME: "/c/xdg", HOME: "/home/u" };
    expect(cacheRoot(env)).toBe("/c/lev");
    expect(cacheRoot({ ...env, LEVITATE_CACHE: "" })).toBe("/c/xdg/levitate-docker");
    expect(cacheRoot({ HOME: "/home/u" })).toBe("/home/u/.cache/levitate-docker");
  });

  it("makes a relative LEVITATE_CACHE absolute", () => {
    expect(cacheRoot({ LEVITATE_CACHE: "rel" })).toBe(`${process.cwd()}/rel`);
  });
});

describe("partialOwner", () => {
  it("reads the writer's pid from a partial file name and nothing else", () => {
    expect(partialOwner(".linux-6.1.tar.xz.partial-4242-0a1b2c")).toBe(4242);
    expect(partialOwner("linux-6.1.tar.xz")).toBeNull();
    expect(partialOwner(".hidden")).toBeNull();
  });
});
