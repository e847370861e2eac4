// clean removes what the tool left, by label and by this volume prefix only; --dry-run removes nothing.
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runMain } from "../../helpers/capture.js";
import { FakeEngine } from "../../helpers/fake-engine.js";

let dir: string;
let engine: FakeEngine;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "levitate-clean-"));
  engine = new FakeEngine();
  await engine.containers.start({ image: "tc", name: "stage-left", cmd: [], network: "none", labels: { "levitate-docker.role": "stage" } });
  await engine.containers.start({ image: "runner", name: "levitate-vm-web", cmd: [], network: "none", labels: { "levitate-docker.role": "vm", "levitate-docker.vm": "web" } });
  engine.created.get("stage-left")!.running = false;
  for (const name of ["lv9-sources", "lv9-work-linux-abc", "lv9-ccache", "levitate-sources", "lv10-ccache"]) await engine.volumes.ensure(name);
  await engine.volumes.ensure("levitate-disks", { "levitate-docker.role": "disks" });
  await engine.images.build({ tag: "levitate/toolchain:debian-abc", context: [] });
  await mkdir(join(dir, "cache", "artifacts", "linux"), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const clean = (...args: string[]) => runMain(["clean", ...args], { cwd: dir, env: { LEVITATE_VOLUME_PREFIX: "lv9", LEVITATE_CACHE: join(dir, "cache") }, engine });

describe("clean", () => {
  it("by default removes stopped leftovers and keeps running VMs", async () => {
    const result = await clean();
    expect(result).toEqual({ code: 0, stdout: "removed container stage-left (stage, exited)\n", stderr: "" });
    expect(engine.removed).toEqual(["container stage-left"]);
  });

  it("--volumes removes the cache volumes of this prefix only, never disks or another prefix's", async () => {
    const result = await clean("--volumes");
    expect(result.stdout).toBe(
      ["removed container stage-left (stage, exited)", "removed volume lv9-sources", "removed volume lv9-work-linux-abc", "removed volume lv9-ccache", ""].join("\n"),
    );
    expect([...engine.volumeStore.keys()].sort()).toEqual(["levitate-disks", "levitate-sources", "lv10-ccache"]);
  });

  it("--disks removes the disks volume, found by its role", async () => {
    await clean("--disks");
    expect(engine.removed).toContain("volume levitate-disks");
    expect(engine.volumeStore.has("lv9-sources")).toBe(true);
  });

  it("--all --dry-run lists everything it would remove and removes nothing", async () => {
    const result = await clean("--all", "--dry-run");
    expect(result.stdout.split("\n").filter((l) => l !== "")).toEqual([
      "would remove container stage-left (stage, exited)",
      "would remove container levitate-vm-web (vm, running)",
      "would remove volume lv9-sources",
      "would remove volume lv9-work-linux-abc",
      "would remove volume lv9-ccache",
      "would remove image levitate/toolchain:debian-abc",
      `would remove cache ${join(dir, "cache", "artifacts")}`,
    ]);
    expect(engine.removed).toEqual([]);
    expect(await readdir(join(dir, "cache"))).toEqual(["artifacts"]);
  });

  it("says so when there is nothing to clean", async () => {
    await clean();
    expect((await clean()).stdout).toBe("nothing to clean\n");
  });
});
