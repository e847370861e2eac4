// reproduce's comparison: every output of every stage, the first stage that differs, and which files differ inside an initramfs.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeCpio } from "../../../orchestrator/initramfs/cpio.js";
import { gzipDeterministic } from "../../../orchestrator/initramfs/gzip.js";
import type { Manifest } from "../../../orchestrator/initramfs/manifest.js";
import { assembleMetadata } from "../../../orchestrator/metadata/assemble-metadata.js";
import type { StageRecord } from "../../../orchestrator/metadata/metadata-schema.js";
import { diffListings } from "../../../orchestrator/reproduce/archive-diff.js";
import { compareBuilds, formatComparison } from "../../../orchestrator/reproduce/compare-builds.js";
import { listInitramfs } from "../../../orchestrator/reproduce/list-initramfs.js";

const d = (c: string) => ({ sha256: c.repeat(64), bytes: 1 });
const stage = (name: string, outputs: StageRecord["outputs"]): StageRecord => ({ name, key: "1".repeat(64), action: "ran", durationMs: 1, ranAt: null, outputs });

function metadata(stages: StageRecord[], outputs: Record<string, { sha256: string; bytes: number }>) {
  return assembleMetadata({
    toolVersion: "0.1.0",
    selection: { config: "config/levitate.yaml", profile: null, flavour: "minimal" },
    metadataPath: "out/metadata.json",
    toolchain: { flavour: "debian", base: "b", tag: "t", key: "2".repeat(64), imageId: null, lock: { path: "images/toolchain/debian.lock", sha256: "3".repeat(64), packages: 1 } },
    engine: null,
    kernel: null,
    sources: [],
    stages,
    outputs,
    builtAt: "now",
  });
}

describe("compareBuilds", () => {
  it("is identical only when every output of every stage and of out/ matches", () => {
    const a = metadata([stage("busybox", { busybox: d("a") }), stage("iso", { "levitate.iso": d("b") })], { "levitate.iso": d("b") });
    const same = compareBuilds(a, a);
    expect(same).toMatchObject({ identical: true, firstDifferingStage: null });
    expect(formatComparison(same).split("\n")[1]).toBe("busybox  busybox       aaaaaaaaaaaaaaaa  aaaaaaaaaaaaaaaa  same");
  });

  it("names the first stage in build order whose outputs differ", () => {
    const a = metadata([stage("busybox", { busybox: d("a") }), stage("initramfs", { "initramfs.cpio.gz": d("c") }), stage("iso", { "levitate.iso": d("b") })], { "levitate.iso": d("b") });
    const b = metadata([stage("busybox", { busybox: d("a") }), stage("initramfs", { "initramfs.cpio.gz": d("d") }), stage("iso", { "levitate.iso": d("e") })], { "levitate.iso": d("e") });
    const result = compareBuilds(a, b);
    expect(result).toMatchObject({ identical: false, firstDifferingStage: "initramfs" });
    expect(result.rows.filter((r) => !r.same).map((r) => `${r.stage}/${r.file}`)).toEqual(["initramfs/initramfs.cpio.gz", "iso/levitate.iso", "out//levitate.iso"]);
  });

  it("counts an output missing from the rebuild as a difference", () => {
    const a = metadata([stage("busybox", { busybox: d("a"), "applets.txt": d("f") })], {});
    const b = metadata([stage("busybox", { busybox: d("a") })], {});
    expect(compareBuilds(a, b).rows.find((r) => r.file === "applets.txt")).toMatchObject({ rebuilt: null, same: false });
  });
});

describe("archive listings", () => {
  it("lists the files that differ inside two initramfs images", async () => {
    const dir = await mkdtemp(join(tmpdir(), "levitate-reproduce-"));
    const write = async (name: string, manifest: Manifest) => {
      await writeFile(join(dir, name), await gzipDeterministic(writeCpio(manifest)));
      return join(dir, name);
    };
    const text = (s: string) => new TextEncoder().encode(s);
    const a = await write("a.cpio.gz", [{ kind: "dir", path: "etc", mode: 0o755 }, { kind: "file", path: "etc/hostname", mode: 0o644, data: text("a\n") }, { kind: "dir", path: "bin", mode: 0o755 }, { kind: "symlink", path: "bin/sh", target: "busybox" }]);
    const b = await write("b.cpio.gz", [{ kind: "dir", path: "etc", mode: 0o755 }, { kind: "file", path: "etc/hostname", mode: 0o644, data: text("b\n") }, { kind: "file", path: "etc/motd", mode: 0o644, data: text("") }]);
    const lines = diffListings(await listInitramfs(a), await listInitramfs(b));
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 1)).toEqual(["- bin  (only in the recorded build: 040755)"]);
    expect(lines[1]).toBe("- bin/sh  (only in the recorded build: 120777 -> busybox)");
    expect(lines[2]).toMatch(/^~ etc\/hostname {2}recorded 100644 2 [0-9a-f]{16}, rebuilt 100644 2 [0-9a-f]{16}$/);
    expect(lines[3]).toMatch(/^\+ etc\/motd {2}\(only in the rebuild: 100644 0 /);
  });
});
