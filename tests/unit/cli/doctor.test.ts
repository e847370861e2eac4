// doctor reports the config, engine, sources, images, volumes, KVM and caches in one pass; a missing base image fails it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runMain } from "../../helpers/capture.js";
import { FakeEngine, printingContainer } from "../../helpers/fake-engine.js";
import { fakeProject } from "../../helpers/fake-project.js";
import type { FakeProject } from "../../helpers/fake-project.js";

let project: FakeProject;
let engine: FakeEngine;
beforeEach(async () => {
  project = await fakeProject("doctor");
  engine = new FakeEngine();
  await engine.volumes.ensure("lvunit-ccache");
});
afterEach(() => project.dispose());

const doctor = (...args: string[]) => runMain(["doctor", "--mirror", project.mirror, ...args], { cwd: project.dir, env: project.env, engine });

/** The report without the lines that depend on this machine's disks. */
const report = (stdout: string) => stdout.split("\n").filter((l) => l !== "" && !/GiB free/.test(l));

describe("doctor", () => {
  it("fails when the local base image is missing, and says how to make it", async () => {
    const result = await doctor("--no-kvm");
    expect(result.code).toBe(1);
    const lines = report(result.stdout);
    expect(lines[0]).toBe(`ok    config ${project.dir}/config/levitate.yaml (toolchain: debian)`);
    expect(lines[1]).toMatch(/^ok    engine unix:\/\/\/var\/run\/docker.sock: Docker 20\.10 \(API 1\.41\), Debian, .*2 CPUs, 8\.0 GiB, overlay2$/);
    expect(lines).toContain(`ok    source busybox-1.0.0.tar.bz2: in the mirror (${project.mirror}/busybox-1.0.0.tar.bz2), verified on first use`);
    expect(lines.filter((l) => /^info  (toolchain|runner) image levitate\/(toolchain|qemu):debian-[0-9a-f]{12}: not built yet/.test(l))).toHaveLength(2);
    expect(lines).toContain("FAIL  base image levitate/debian-base:bookworm is missing: make it with scripts/prepare-offline.sh base");
    expect(lines).toContain("info  volumes: lvunit-ccache");
    expect(lines.at(-1)).toBe(`info  no cached artifacts yet (${project.cache}/artifacts)`);
    expect(engine.runs).toEqual([]);
  });

  it("passes with the base image present, and tests KVM again (here: no /dev/kvm, so TCG)", async () => {
    await engine.images.build({ tag: "levitate/debian-base:bookworm", context: [] });
    engine.script = printingContainer(["sh: cannot open /dev/kvm: No such file or directory\n"], 2);
    const result = await doctor();
    expect(report(result.stdout)).toContain("warn  accelerator: tcg: /dev/kvm exists but cannot be opened (sh: cannot open /dev/kvm: No such file or directory): using TCG");
    expect(result.code).toBe(0);
    // The runner image was built for the test, as a real doctor would.
    expect([...engine.imageStore.values()].some((i) => i.tags.some((t) => t.startsWith("levitate/qemu:")))).toBe(true);
  });

  it("reports a config problem and an unreachable engine as failures, still checking the rest", async () => {
    const result = await runMain(["doctor", "--no-kvm", "--config", `${project.dir}/nope.yaml`], { cwd: project.dir, env: project.env, engine });
    expect(result.code).toBe(1);
    expect(report(result.stdout)[0]).toMatch(/^FAIL  .*nope\.yaml/);
  });
});
