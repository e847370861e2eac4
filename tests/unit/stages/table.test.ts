// The stage table is well formed: unique names, needs before needers, a script per container stage, outputs promised.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stageContainer } from "../../../orchestrator/build/run-container-stage.js";
import { STAGE_SCRIPT_DIR, STAGE_TABLE, invocationsFor } from "../../../orchestrator/stages/table.js";
import { REPO } from "../../helpers/cli.js";
import { configFixture } from "../../helpers/config-fixture.js";

describe("the stage table", () => {
  it("names each stage once", () => {
    const names = STAGE_TABLE.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const flavour of ["openrc", "minimal"] as const) {
    it(`lists every stage after the stages it needs, and each needed stage is built by the flavour (${flavour})`, () => {
      const seen: string[] = [];
      for (const invocation of invocationsFor(configFixture(), flavour, REPO)) {
        for (const need of invocation.needs) expect(seen, `${invocation.name} needs ${need}`).toContain(need);
        for (const file of invocation.files) if ("fromStage" in file) expect(invocation.needs).toContain(file.fromStage);
        seen.push(invocation.name);
      }
    });
  }

  it("has a script for every container stage and promises outputs for every stage", () => {
    for (const stage of STAGE_TABLE) {
      expect(stage.outputs.length, stage.name).toBeGreaterThan(0);
      for (const file of stage.published ?? []) expect(stage.outputs, stage.name).toContain(file);
      if (stage.where === "container") expect(existsSync(join(REPO, STAGE_SCRIPT_DIR, `${stage.name}.sh`)), stage.name).toBe(true);
    }
  });

  it("makes GRUB's images from nothing the config says: a new name, command line, kernel or file leaves the grub stage as it is; the iso stage takes its grub.tar", () => {
    const grubOf = (config: ReturnType<typeof configFixture>) => invocationsFor(config, "openrc", REPO).find((s) => s.name === "grub")!;
    const base = configFixture();
    const other = configFixture({ name: "otheros", kernel: { ...base.kernel, cmdline: "console=ttyS0 quiet", patches: ["/levitate/linux/x.patch"] } });
    expect(grubOf(other)).toEqual(grubOf(base));
    expect(grubOf(base).needs).toEqual([]);
    expect(grubOf(base).files.map((f) => f.role)).toEqual(["script"]);
    expect(Object.keys(grubOf(base).env).sort()).toEqual(["SOURCE_DATE_EPOCH", "STAGE"]);
    const iso = invocationsFor(base, "openrc", REPO).find((s) => s.name === "iso")!;
    expect(iso.needs).toContain("grub");
    expect(iso.files).toContainEqual({ role: "grub", path: "grub.tar", fromStage: "grub", file: "grub.tar" });
  });

  it("names each stage container after its project; mounts the cache volumes (and labels the tree) only for stages that keep a build tree, which the grub and iso stages do not", () => {
    const trees: Record<string, boolean> = {};
    for (const invocation of invocationsFor(configFixture(), "openrc", REPO)) {
      if (invocation.where === "host") continue;
      trees[invocation.name] = invocation.buildTree;
      const { spec } = stageContainer({ invocation, key: "k", toolchainTag: "tc", toolchainKey: "tk", sourcePath: "/s.tar", artifacts: new Map([["linux", "/a/l"], ["initramfs", "/a/i"], ["grub", "/a/g"]]), jobs: 1, volumePrefix: "lv" });
      const volumes = (spec.mounts ?? []).map((m) => m.target);
      expect(volumes, invocation.name).toEqual(invocation.buildTree ? ["/sources", "/work", "/ccache"] : []);
      expect(spec.labels?.["levitate-docker.work"], invocation.name).toBe(invocation.buildTree ? `lv-work-${invocation.name}-tk` : undefined);
      expect(spec.name, invocation.name).toMatch(new RegExp(`^lv-stage-${invocation.name}-[0-9a-f]{8}$`));
    }
    expect(trees).toEqual({ busybox: true, openrc: true, linux: true, grub: false, iso: false });
  });
});
