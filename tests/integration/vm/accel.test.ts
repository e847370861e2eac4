// KVM detection against the real engine: the canary sees a kernel speak under TCG, notices silence, and the choice is cached.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseAccelerator } from "../../../orchestrator/vm/accel.js";
import { canaryBoot } from "../../../orchestrator/vm/kvm-canary.js";
import { LABEL_TOOL } from "../../../orchestrator/docker/types.js";
import { LABEL_OWNER, currentOwner, formatOwner } from "../../../orchestrator/ownership/owner.js";
import { engine, kernelFiles, runnerImage } from "./vm-fixtures.js";

const files = kernelFiles();

describe("accelerator detection (real engine)", () => {
  let image: string;
  let cacheRoot: string;
  beforeAll(async () => {
    image = await runnerImage();
    cacheRoot = await mkdtemp(join(tmpdir(), "accel-it-"));
  });
  afterAll(async () => {
    await rm(cacheRoot, { recursive: true, force: true });
  });

  it("the canary sees the kernel's first line under TCG and stops at once", async () => {
    const result = await canaryBoot({ engine, runnerImage: image, kernel: files.kernel, accel: "tcg", deadlineMs: 30_000 });
    expect(result.printed, result.output).toBe(true);
    expect(result.output).toMatch(/Linux version \d/);
    expect(result.elapsedMs).toBeLessThan(30_000);
  });

  it("the canary reports a guest that prints nothing on the serial port by the deadline", async () => {
    const started = Date.now();
    const result = await canaryBoot({
      engine,
      runnerImage: image,
      kernel: files.kernel,
      accel: "tcg",
      deadlineMs: 6_000,
      append: "console=tty0 loglevel=0 panic=0",
    });
    expect(result.printed).toBe(false);
    expect(result.exitCode).toBeNull();
    expect(Date.now() - started).toBeLessThan(20_000);
    // This process's canary only: the engine is shared with other builds and tests that boot their own.
    const mine = formatOwner(currentOwner());
    const left = await engine.containers.list({ [LABEL_TOOL]: "1", "levitate-docker.role": "vm-tool", [LABEL_OWNER]: mine });
    expect(left).toEqual([]);
  });

  it("auto picks an accelerator with a reason, caches it per engine, and rechecks on request", async () => {
    const options = { engine, requested: "auto" as const, runnerImage: image, canaryKernel: files.kernel, cacheRoot };
    const first = await chooseAccelerator(options);
    expect(first.cached).toBe(false);
    expect(first.reason).not.toBe("");
    if (!existsSync("/dev/kvm")) {
      expect(first.accel).toBe("tcg");
      expect(first.reason).toMatch(/^no usable \/dev\/kvm on the Docker host/);
      await expect(chooseAccelerator({ ...options, requested: "kvm" })).rejects.toThrow(/--accel kvm was requested, but KVM does not work here/);
    }
    const id = (await engine.info()).id;
    const cache = JSON.parse(await readFile(join(cacheRoot, "accel.json"), "utf8"));
    expect(cache[id].accel).toBe(first.accel);
    expect(await chooseAccelerator(options)).toEqual({ ...first, cached: true });
    expect((await chooseAccelerator({ ...options, recheck: true })).cached).toBe(false);
  });
});
