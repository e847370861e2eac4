// The artifact store never trusts a stage that did not finish: failures and interruptions leave nothing.
import { mkdir, mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArtifactStore, DEFAULT_PRUNE_POLICY, artifactsToPrune, prunePolicyFromEnv } from "../../../orchestrator/artifacts/artifact-store.js";

async function store() {
  const root = await mkdtemp(join(tmpdir(), "levitate-store-"));
  return { root, store: new ArtifactStore(root, "/project/config/levitate.yaml", "openrc") };
}

describe("ArtifactStore", () => {
  it("publishes a finished artifact under its key and remembers its inputs", async () => {
    const { store: s } = await store();
    const dir = await s.commit("busybox", "k1", { a: "1" }, async (tmp) => writeFile(join(tmp, "busybox"), "bin"), Date.now());
    expect(s.has("busybox", "k1")).toBe(true);
    expect(await readdir(dir)).toEqual(["busybox", "meta.json"]);
    expect(s.lastInputs("busybox")).toEqual({ a: "1" });
  });

  it("leaves no artifact and no temporary directory when the stage fails half-way", async () => {
    const { root, store: s } = await store();
    await expect(
      s.commit("linux", "k2", {}, async (tmp) => {
        await writeFile(join(tmp, "bzImage"), "half");
        throw new Error("make: *** [bzImage] Error 2");
      }, Date.now()),
    ).rejects.toThrow("Error 2");
    expect(s.has("linux", "k2")).toBe(false);
    expect(await readdir(join(root, "artifacts", "linux"))).toEqual([]);
    expect(s.lastInputs("linux")).toBeNull();
  });

  it("treats an interrupted stage (aborted fill) as not built, so the next plan reruns it", async () => {
    const { store: s } = await store();
    const controller = new AbortController();
    const fill = s.commit("iso", "k3", {}, async (tmp) => {
      await writeFile(join(tmp, "levitate.iso"), "partial");
      controller.abort();
      controller.signal.throwIfAborted();
    }, Date.now());
    await expect(fill).rejects.toBeDefined();
    expect(s.has("iso", "k3")).toBe(false);
  });

  it("keeps the last inputs per flavour and project apart", async () => {
    const { root, store: s } = await store();
    await s.commit("busybox", "k1", { a: "1" }, async () => undefined, Date.now());
    expect(new ArtifactStore(root, "/project/config/levitate.yaml", "minimal").lastInputs("busybox")).toBeNull();
    expect(new ArtifactStore(root, "/other/config/levitate.yaml", "openrc").lastInputs("busybox")).toBeNull();
  });
});

describe("keeping the host cache bounded", () => {
  const HOUR = 60 * 60 * 1000;
  const policy = { keep: 2, graceMs: HOUR };
  const now = Date.UTC(2026, 11, 2, 12);

  it("selects all but the most recently used, sparing those used within the grace and the running build's", () => {
    const artifacts = [
      { key: "a", usedAtMs: now - 5 * HOUR },
      { key: "b", usedAtMs: now - 1 * 60_000 },
      { key: "c", usedAtMs: now - 3 * HOUR },
      { key: "d", usedAtMs: now - 2 * HOUR },
      { key: "e", usedAtMs: now - 30 * 60_000 },
      { key: "f", usedAtMs: now - 9 * HOUR },
    ];
    // Newest first: b, e (kept: keep 2), d, c, a, f; c is the running build's.
    expect(artifactsToPrune(artifacts, policy, now, new Set(["c"]))).toEqual(["d", "a", "f"]);
    expect(artifactsToPrune(artifacts, { keep: 10, graceMs: HOUR }, now, new Set())).toEqual([]);
    expect(artifactsToPrune(artifacts, { keep: 1, graceMs: 4 * HOUR }, now, new Set())).toEqual(["a", "f"]);
  });

  it("removes from disk what the policy does not keep, marks use by meta.json's mtime, and counts the bytes", async () => {
    const { root, store: s } = await store();
    for (const key of ["k1", "k2", "k3"]) {
      await s.commit("iso", key, {}, async (tmp) => writeFile(join(tmp, "levitate.iso"), Buffer.alloc(1000)), Date.now());
    }
    await mkdir(join(root, "artifacts", "iso", "not-an-artifact"));
    const old = new Date(now - 3 * HOUR);
    for (const key of ["k1", "k2", "k3"]) await s.markUsed("iso", key, old);
    await s.markUsed("iso", "k1", new Date(now - 60_000));
    await s.markUsed("iso", "gone"); // a key with no artifact: nothing to mark, no error
    const result = await s.prune(["iso", "linux"], { keep: 1, graceMs: HOUR }, new Set(["k3"]), now);
    expect(result).toEqual({ removed: 1, bytes: 1000 });
    expect(s.has("iso", "k1")).toBe(true);
    expect(s.has("iso", "k2")).toBe(false);
    expect(s.has("iso", "k3")).toBe(true);
    expect((await readdir(join(root, "artifacts", "iso"))).sort()).toEqual(["k1", "k3", "not-an-artifact"]);
    expect((await stat(join(root, "artifacts", "iso", "k1", "meta.json"))).mtimeMs).toBe(now - 60_000);
  });

  it("reads LEVITATE_CACHE_KEEP, and refuses what is not a count", () => {
    expect(prunePolicyFromEnv({})).toEqual(DEFAULT_PRUNE_POLICY);
    expect(prunePolicyFromEnv({ LEVITATE_CACHE_KEEP: "3" }).keep).toBe(3);
    for (const bad of ["0", "-1", "two", "1.5"]) {
      expect(() => prunePolicyFromEnv({ LEVITATE_CACHE_KEEP: bad })).toThrow(/LEVITATE_CACHE_KEEP must be a whole number/);
    }
  });
});
