// Accelerator choice: missing, unopenable and silent KVM fall back to TCG; verdicts are cached per engine.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chooseAccelerator, timeoutScale } from "../../../orchestrator/vm/accel.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import type { RunScript } from "../../helpers/fake-engine.js";
import { FakeEngine, printingContainer } from "../../helpers/fake-engine.js";

let cacheRoot: string;
beforeEach(async () => {
  cacheRoot = await mkdtemp(join(tmpdir(), "accel-"));
});
afterEach(async () => {
  await rm(cacheRoot, { recursive: true, force: true });
});

const NO_DEVICE: RunScript = async () => {
  throw new Error('(HTTP code 500) server error - error gathering device information while adding custom device "/dev/kvm": no such file or directory');
};

/** First run = the open probe, second = the canary. */
function kvmOpensThen(canary: RunScript): RunScript {
  let calls = 0;
  return async (spec, options) => (calls++ === 0 ? printingContainer(["kvm-opened\n"], 0)(spec, options) : canary(spec, options));
}

const base = { runnerImage: "runner", canaryKernel: "/k/bzImage", canaryDeadlineMs: 300 } as const;

describe("chooseAccelerator", () => {
  it("does not touch the engine when TCG is requested", async () => {
    const engine = new FakeEngine();
    const choice = await chooseAccelerator({ ...base, engine, requested: "tcg", cacheRoot });
    expect(choice).toEqual({ accel: "tcg", reason: "TCG was requested (--accel tcg)", cached: false });
    expect(engine.infoCalls).toBe(0);
  });

  it("falls back to TCG when the engine's host has no /dev/kvm, and caches that per engine id", async () => {
    const engine = new FakeEngine("ENGINE-A");
    engine.script = NO_DEVICE;
    const first = await chooseAccelerator({ ...base, engine, requested: "auto", cacheRoot });
    expect(first.accel).toBe("tcg");
    expect(first.reason).toBe(
      'no usable /dev/kvm on the Docker host fakehost (error gathering device information while adding custom device "/dev/kvm": no such file or directory): using TCG',
    );
    expect(engine.runs[0]?.devices).toEqual(["/dev/kvm"]);
    const cache = JSON.parse(await readFile(join(cacheRoot, "accel.json"), "utf8"));
    expect(cache["ENGINE-A"].accel).toBe("tcg");

    const second = await chooseAccelerator({ ...base, engine, requested: "auto", cacheRoot });
    expect(second).toEqual({ ...first, cached: true });
    expect(engine.runs).toHaveLength(1);

    await chooseAccelerator({ ...base, engine, requested: "auto", cacheRoot, recheck: true });
    expect(engine.runs).toHaveLength(2);

    // Another engine (another id) is tested on its own.
    const other = new FakeEngine("ENGINE-B");
    other.script = kvmOpensThen(printingContainer(["SeaBIOS\n", "[ 0.0] Linux version 6.1\n"], null));
    expect((await chooseAccelerator({ ...base, engine: other, requested: "auto", cacheRoot })).accel).toBe("kvm");
  });

  it("falls back to TCG when /dev/kvm cannot be opened", async () => {
    const engine = new FakeEngine();
    engine.script = printingContainer(["sh: 1: cannot open /dev/kvm: Permission denied\n"], 2);
    const choice = await chooseAccelerator({ ...base, engine, requested: "auto", cacheRoot });
    expect(choice.accel).toBe("tcg");
    expect(choice.reason).toBe("/dev/kvm exists but cannot be opened (sh: 1: cannot open /dev/kvm: Permission denied): using TCG");
  });

  it("falls back to TCG when a guest prints nothing under KVM before the deadline", async () => {
    const engine = new FakeEngine();
    engine.script = kvmOpensThen(printingContainer(["SeaBIOS (version 1.16)\n", "Booting from ROM...\n"], null));
    const started = Date.now();
    const choice = await chooseAccelerator({ ...base, engine, requested: "auto", cacheRoot });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(choice.accel).toBe("tcg");
    expect(choice.reason).toBe("/dev/kvm present but a Linux guest printed nothing in 0.3 s under KVM: falling back to TCG");
    expect(engine.runs[1]?.cmd).toEqual(expect.arrayContaining(["-accel", "kvm", "-kernel", "/vm/bzImage"]));
  });

  it("throws a UserError fast when KVM is requested but the canary fails (and when it is cached)", async () => {
    const engine = new FakeEngine();
    engine.script = kvmOpensThen(printingContainer(["SeaBIOS\n"], null));
    const error = await chooseAccelerator({ ...base, engine, requested: "kvm", cacheRoot }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      "--accel kvm was requested, but KVM does not work here: /dev/kvm present but a Linux guest printed nothing in 0.3 s under KVM",
    );
    const again = await chooseAccelerator({ ...base, engine, requested: "kvm", cacheRoot }).catch((e: unknown) => e);
    expect((again as UserError).details.join("\n")).toContain("doctor");
  });

  it("uses KVM when the canary kernel speaks, stopping the canary at once", async () => {
    const engine = new FakeEngine();
    engine.script = kvmOpensThen(printingContainer(["SeaBIOS\n", "[    0.000000] Linux vers", "ion 6.1.0 (gcc)\n", "more\n"], null));
    const choice = await chooseAccelerator({ ...base, engine, requested: "kvm", cacheRoot, canaryDeadlineMs: 10_000 });
    expect(choice.accel).toBe("kvm");
    expect(choice.reason).toMatch(/^a Linux guest printed its first line under KVM after \d/);
  });

  it("trusts an openable /dev/kvm without a canary kernel but does not cache it", async () => {
    const engine = new FakeEngine();
    engine.script = printingContainer(["kvm-opened\n"], 0);
    const choice = await chooseAccelerator({ engine, runnerImage: "runner", requested: "auto", cacheRoot });
    expect(choice.accel).toBe("kvm");
    await expect(readFile(join(cacheRoot, "accel.json"), "utf8")).rejects.toThrow();
  });

  it("ignores a damaged cache file", async () => {
    await writeFile(join(cacheRoot, "accel.json"), "{not json");
    const engine = new FakeEngine();
    engine.script = NO_DEVICE;
    expect((await chooseAccelerator({ ...base, engine, requested: "auto", cacheRoot })).cached).toBe(false);
  });

  it("scales timeouts for TCG", () => {
    expect(timeoutScale("kvm")).toBe(1);
    expect(timeoutScale("tcg")).toBeGreaterThan(1);
  });
});
