// The artifact store never trusts a stage that did not finish: failures and interruptions leave nothing.
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArtifactStore } from "../../../orchestrator/artifacts/artifact-store.js";

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
