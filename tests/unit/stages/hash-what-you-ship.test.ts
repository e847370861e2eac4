// Hash what you ship: every value a stage container receives (env, files, source, image) is part of its key, by construction.
import { describe, expect, it } from "vitest";
import { runContainerStage, stageContainer } from "../../../orchestrator/build/run-container-stage.js";
import { loadConfig } from "../../../orchestrator/config/load.js";
import type { ResolvedConfig } from "../../../orchestrator/config/types.js";
import { sha256File } from "../../../orchestrator/hash/sha256.js";
import { collectInputs } from "../../../orchestrator/plan/collect.js";
import { plan } from "../../../orchestrator/plan/plan.js";
import type { PlannedStage } from "../../../orchestrator/plan/plan.js";
import type { StageName } from "../../../orchestrator/stages/stage.js";
import { REPO } from "../../helpers/cli.js";
import { FakeEngine, runResult } from "../../helpers/fake-engine.js";

/** Parallelism only: the one value a container gets that must not split the cache per machine. */
const UNKEYED_ENV = ["JOBS"];

const NO_CACHE = { has: () => false, lastInputs: () => null };

async function planned(config: ResolvedConfig, flavour: "openrc" | "minimal" = "openrc") {
  return plan(await collectInputs(config, flavour), NO_CACHE);
}

const artifacts = new Map<StageName, string>([
  ["linux", "/artifacts/linux/k1"],
  ["initramfs", "/artifacts/initramfs/k2"],
  ["busybox", "/artifacts/busybox/k3"],
  ["openrc", "/artifacts/openrc/k4"],
  ["grub", "/artifacts/grub/k5"],
]);

describe("the key of a container stage", () => {
  for (const flavour of ["openrc", "minimal"] as const) {
    it(`covers every env value, file, source and the image its container receives (${flavour})`, async () => {
      const config = await loadConfig({ cwd: REPO, env: { HOME: "/nonexistent" } });
      const p = await planned(config, flavour);
      const containerStages = p.stages.filter((s) => s.where === "container");
      expect(containerStages.length).toBeGreaterThan(0);
      for (const stage of containerStages) {
        const { spec, inputs } = stageContainer({
          invocation: stage.invocation,
          key: stage.key,
          toolchainTag: p.toolchain.tag,
          toolchainKey: p.toolchain.key,
          sourcePath: "/downloads/source.tar",
          artifacts,
          jobs: 7,
          volumePrefix: "lvtest",
        });
        const where = `stage ${stage.name}`;
        expect(spec.image, where).toBe(p.toolchain.tag);
        expect(stage.inputs["image:toolchain"], where).toBe(p.toolchain.key);
        for (const [name, value] of Object.entries(spec.env ?? {})) {
          if (UNKEYED_ENV.includes(name)) continue;
          expect(stage.inputs[`env:${name}`], `${where}: env ${name}`).toBe(value);
        }
        for (const group of inputs) {
          for (const file of group.files) {
            await expectKeyedFile(stage, group.dir, file.path, file.hostPath!);
          }
        }
      }
    });
  }

  it("changes when the kernel version changes, because KERNEL_VERSION reaches the container", async () => {
    const config = await loadConfig({ cwd: REPO, env: { HOME: "/nonexistent" } });
    const pin = config.sources[config.kernel.source]!;
    const bumped: ResolvedConfig = { ...config, sources: { ...config.sources, [pin.name]: { ...pin, version: `${pin.version}-other` } } };
    const before = (await planned(config)).stages.find((s) => s.name === "linux")!;
    const after = (await planned(bumped)).stages.find((s) => s.name === "linux")!;
    expect(after.inputs["env:KERNEL_VERSION"]).toBe(`${pin.version}-other`);
    expect(after.key).not.toBe(before.key);
  });

  it("is what the executor ships: the container the engine receives is the one checked above", async () => {
    const config = await loadConfig({ cwd: REPO, env: { HOME: "/nonexistent" } });
    const stage = (await planned(config)).stages.find((s) => s.name === "busybox")!;
    const engine = new FakeEngine();
    const shipped: { env?: Readonly<Record<string, string>>; files: string[] } = { files: [] };
    engine.script = async (spec, options) => {
      shipped.env = spec.env;
      // The stage's own files go to its stdin (unpacked into /in), its source is uploaded.
      shipped.files = [...(options.stdinFiles ?? []).map((f) => `/in/${f.path}`), ...(options.inputs ?? []).flatMap((g) => g.files.map((f) => `${g.dir}/${f.path}`))];
      return runResult(0);
    };
    const expected = stageContainer({ invocation: stage.invocation, key: stage.key, toolchainTag: "tc", toolchainKey: "tk", sourcePath: "/s.tar", artifacts, jobs: 2, volumePrefix: "lvtest" });
    await runContainerStage(
      { engine, invocation: stage.invocation, key: stage.key, toolchainTag: "tc", toolchainKey: "tk", sourcePath: "/s.tar", artifacts, logPath: `/tmp/levitate-ship-${process.pid}.log`, jobs: 2, volumePrefix: "lvtest", onLine: () => undefined },
      "/nonexistent",
    );
    expect(shipped.env).toEqual(expected.spec.env);
    expect(shipped.files).toEqual(expected.inputs.flatMap((g) => g.files.map((f) => `${g.dir}/${f.path}`)));
  });
});

/** A file in /in is keyed by its path and content (or, from a needed stage, by that stage's key); a source by its sha256. */
async function expectKeyedFile(stage: PlannedStage, dir: string, path: string, hostPath: string): Promise<void> {
  const where = `stage ${stage.name}: ${dir}/${path}`;
  if (dir.startsWith("/sources/")) {
    const pin = stage.invocation.source!;
    expect(dir, where).toBe(`/sources/${pin.sha256}`);
    expect(stage.inputs[`source:${pin.name}`], where).toBe(`${pin.file} ${pin.sha256}`);
    return;
  }
  const fromStage = [...artifacts].find(([, artifactDir]) => hostPath.startsWith(`${artifactDir}/`));
  if (fromStage !== undefined) {
    expect(stage.inputs[`stage:${fromStage[0]}`], where).toBeDefined();
    expect(Object.values(stage.inputs), where).toContain(`${path} from ${fromStage[0]}/${hostPath.slice(fromStage[1].length + 1)}`);
    return;
  }
  const sha = await sha256File(hostPath);
  const keyed = Object.entries(stage.inputs).some(([name, value]) => name.startsWith("file:") && value.startsWith(`${path} `) && value.endsWith(` ${sha}`));
  expect(keyed, `${where} (sha256 ${sha}) is not among the inputs of its key`).toBe(true);
}
