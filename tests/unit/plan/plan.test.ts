// The planner: a change to any one input reruns that stage and everything downstream, nothing else.
import { describe, expect, it } from "vitest";
import type { CollectedInputs } from "../../../orchestrator/plan/collect.js";
import { describeChanges, formatPlan, plan } from "../../../orchestrator/plan/plan.js";
import type { CacheView } from "../../../orchestrator/plan/plan.js";
import type { StageName } from "../../../orchestrator/stages/stage.js";
import { invocationsFor } from "../../../orchestrator/stages/table.js";
import type { ImageRecipe } from "../../../orchestrator/toolchain/recipes.js";
import { configFixture } from "../../helpers/config-fixture.js";
import { expectGolden } from "../../helpers/golden.js";

const TOOLCHAIN: ImageRecipe = { kind: "toolchain", tag: "levitate/toolchain:debian-000000000000", key: "t1", dockerfile: "Dockerfile.toolchain", context: [], buildArgs: {}, inputs: {}, lock: { path: "images/toolchain/debian.lock", sha256: "0".repeat(64), pins: [] } };

/** The real stage table's invocations, with stand-in input hashes (the planner only compares them). */
function inputs(overrides: Partial<Record<StageName, Record<string, string>>> = {}, flavour: "openrc" | "minimal" = "openrc"): CollectedInputs {
  const base: Record<StageName, Record<string, string>> = {
    busybox: { "file:script": "stage.sh 755 b1", "image:toolchain": "t1", "source:busybox": "busybox-1.35.0.tar.bz2 faee", "file:busybox.config": "busybox.config c1" },
    openrc: { "file:script": "stage.sh 755 o1", "image:toolchain": "t1", "source:openrc": "openrc-0.54.tar.gz c84f" },
    initramfs: { "code/initramfs/cpio.js": "file i1", "config:hostname": "levitate", "files/etc/motd": "file m1" },
    linux: { "file:script": "stage.sh 755 l1", "image:toolchain": "t1", "source:linux": "linux-6.1.127.tar.xz 18b0", "file:kernel.fragment": "levitate.config f1", "env:KERNEL_VERSION": "6.1.127" },
    grub: { "file:script": "stage.sh 755 g1", "image:toolchain": "t1" },
    iso: { "file:script": "stage.sh 755 s1", "image:toolchain": "t1", "env:KERNEL_CMDLINE": "console=ttyS0" },
  };
  const stages = invocationsFor(configFixture(), flavour, "/levitate").map((invocation) => ({
    invocation,
    inputs: { ...base[invocation.name], ...overrides[invocation.name] },
  }));
  return { flavour, toolchain: TOOLCHAIN, stages };
}

/** An in-memory cache that holds whatever a previous plan produced, like a finished build. */
function cacheAfter(previous: CollectedInputs | null): CacheView & { keys: Map<StageName, string> } {
  const keys = new Map<StageName, string>();
  const last = new Map<StageName, Record<string, string>>();
  if (previous !== null) {
    const built = plan(previous, { has: () => false, lastInputs: () => null });
    for (const s of built.stages) {
      keys.set(s.name, s.key);
      last.set(s.name, { ...s.inputs });
    }
  }
  return {
    keys,
    has: (stage, key) => keys.get(stage) === key,
    lastInputs: (stage) => last.get(stage) ?? null,
  };
}

const running = (p: ReturnType<typeof plan>) => p.stages.filter((s) => s.action === "run").map((s) => s.name);

describe("plan", () => {
  it("runs everything on a cold cache, in dependency order", () => {
    const p = plan(inputs(), cacheAfter(null));
    expect(running(p)).toEqual(["busybox", "openrc", "initramfs", "linux", "grub", "iso"]);
    expect(p.stages.every((s) => s.reasons.includes("never built"))).toBe(true);
  });

  it("runs nothing when nothing changed", () => {
    const p = plan(inputs(), cacheAfter(inputs()));
    expect(running(p)).toEqual([]);
    expect(formatPlan(p)).toContain("everything is up to date");
  });

  const cases: [string, Partial<Record<StageName, Record<string, string>>>, StageName[], string][] = [
    ["a stage script", { busybox: { "file:script": "stage.sh 755 b2" } }, ["busybox", "initramfs", "iso"], "file:script changed"],
    ["a value in the environment", { iso: { "env:KERNEL_CMDLINE": "console=ttyS0 quiet" } }, ["iso"], "env:KERNEL_CMDLINE changed"],
    ["the kernel version", { linux: { "env:KERNEL_VERSION": "6.1.128" } }, ["linux", "iso"], "env:KERNEL_VERSION changed"],
    ["a file under config/files", { initramfs: { "files/etc/motd": "file m2" } }, ["initramfs", "iso"], "files/etc/motd changed"],
    ["a new file under config/files", { initramfs: { "files/etc/issue": "file x" } }, ["initramfs", "iso"], "files/etc/issue added"],
    ["the kernel fragment", { linux: { "file:kernel.fragment": "levitate.config f2" } }, ["linux", "iso"], "file:kernel.fragment changed"],
    ["a source pin", { openrc: { "source:openrc": "openrc-0.55.tar.gz 1234" } }, ["openrc", "initramfs", "iso"], "source:openrc changed"],
    ["the GRUB stage's script", { grub: { "file:script": "stage.sh 755 g2" } }, ["grub", "iso"], "file:script changed"],
    ["the host code of the initramfs writer", { initramfs: { "code/initramfs/cpio.js": "file i2" } }, ["initramfs", "iso"], "code/initramfs/cpio.js changed"],
  ];
  for (const [what, change, expected, reason] of cases) {
    it(`reruns the stage and its dependents, and only them, when ${what} changes`, () => {
      const p = plan(inputs(change), cacheAfter(inputs()));
      expect(running(p)).toEqual(expected);
      expect(p.stages.find((s) => s.name === expected[0])!.reasons).toContain(reason);
      const downstream = p.stages.find((s) => s.name === expected.at(-1) && expected.length > 1);
      if (downstream) expect(downstream.reasons.join()).toMatch(/was rebuilt \(new key\)/);
    });
  }

  it("reruns every container stage when the toolchain changes, and the host stage only through them", () => {
    const bump = { "image:toolchain": "t2" };
    const p = plan(inputs({ busybox: bump, openrc: bump, linux: bump, grub: bump, iso: bump }), cacheAfter(inputs()));
    expect(running(p)).toEqual(["busybox", "openrc", "initramfs", "linux", "grub", "iso"]);
    expect(p.stages.find((s) => s.name === "initramfs")!.reasons).toEqual(["busybox was rebuilt (new key)", "openrc was rebuilt (new key)"]);
  });

  it("reruns a stage whose artifact is missing although its inputs did not change (interrupted or removed)", () => {
    const cache = cacheAfter(inputs());
    cache.keys.delete("linux");
    const p = plan(inputs(), cache);
    expect(running(p)).toEqual(["linux"]);
    expect(p.stages.find((s) => s.name === "linux")!.reasons[0]).toMatch(/no finished artifact/);
  });

  it("builds only the named stages and what they need", () => {
    const p = plan(inputs(), cacheAfter(null), { only: ["initramfs"] });
    expect(p.stages.map((s) => s.name)).toEqual(["busybox", "openrc", "initramfs"]);
  });

  it("--force reruns the named stage although it is cached, and keeps keys stable", () => {
    const p = plan(inputs(), cacheAfter(inputs()), { only: ["linux"], force: true });
    expect(running(p)).toEqual(["linux"]);
    expect(p.stages[0]!.key).toBe(plan(inputs(), cacheAfter(null)).stages.find((s) => s.name === "linux")!.key);
  });

  it("the minimal flavour has no openrc stage", () => {
    const p = plan(inputs({}, "minimal"), cacheAfter(null));
    expect(p.stages.map((s) => s.name)).toEqual(["busybox", "initramfs", "linux", "grub", "iso"]);
    expect(p.stages.find((s) => s.name === "initramfs")!.needs).toEqual(["busybox"]);
  });

  it("describes removed inputs", () => {
    expect(describeChanges({ a: "1", b: "2" }, { a: "1" })).toEqual(["b removed"]);
  });

  it("prints a dry-run plan with reasons (golden)", () => {
    const p = plan(inputs({ linux: { "file:kernel.fragment": "levitate.config f2" } }), cacheAfter(inputs()));
    expectGolden("plan/fragment-change.txt", formatPlan(p, { explain: true }));
  });
});
