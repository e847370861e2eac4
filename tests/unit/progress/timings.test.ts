// timings.json: round trip, per-key estimates, damage tolerated, written atomically.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { estimateFor, loadTimings, saveTiming, timingsPath } from "../../../orchestrator/progress/timings.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "levitate-timings-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe("timings", () => {
  it("starts empty when there is no file", async () => {
    const timings = await loadTimings(root);
    expect(timings.stages).toEqual({});
    expect(estimateFor(timings, "linux")).toBeUndefined();
  });

  it("round-trips and estimates by key, falling back to the latest run", async () => {
    await saveTiming(root, "linux", "key-a", 255_000.4);
    await saveTiming(root, "linux", "key-b", 120_000);
    await saveTiming(root, "busybox", null, 30_000);
    const timings = await loadTimings(root);
    expect(timings.stages["linux"]?.map((r) => [r.key, r.ms])).toEqual([
      ["key-b", 120_000],
      ["key-a", 255_000],
    ]);
    expect(estimateFor(timings, "linux", "key-a")).toBe(255_000);
    expect(estimateFor(timings, "linux", "key-c")).toBe(120_000);
    expect(estimateFor(timings, "linux")).toBe(120_000);
    expect(estimateFor(timings, "busybox")).toBe(30_000);
    expect(await readdir(root)).toEqual(["timings.json"]);
  });

  it("keeps one record per key and at most ten per stage", async () => {
    for (let i = 0; i < 12; i++) await saveTiming(root, "iso", `k${i % 11}`, i);
    const records = (await loadTimings(root)).stages["iso"] ?? [];
    expect(records.map((r) => r.key)).toEqual(["k0", "k10", "k9", "k8", "k7", "k6", "k5", "k4", "k3", "k2"]);
    expect(records[0]?.ms).toBe(11);
  });

  it("treats a damaged file as empty and replaces it on the next save", async () => {
    await writeFile(timingsPath(root), "{ not json");
    expect((await loadTimings(root)).stages).toEqual({});
    await writeFile(timingsPath(root), JSON.stringify({ stages: { linux: [{ key: 1, ms: "x" }, { key: null, ms: 5, at: "t" }] } }));
    expect(estimateFor(await loadTimings(root), "linux")).toBe(5);
    await saveTiming(root, "openrc", null, 6_000);
    expect(estimateFor(await loadTimings(root), "openrc")).toBe(6_000);
  });
});
