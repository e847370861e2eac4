// bootTest against the real engine: BIOS and UEFI boots to a shell under TCG, the shipped checks, and cleanup on abort.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { InterruptedError, UserError } from "../../../orchestrator/errors/errors.js";
import { LABEL_ROLE, LABEL_RUN, LABEL_TOOL } from "../../../orchestrator/docker/types.js";
import { loadBootChecks } from "../../../orchestrator/vm/boot-check-file.js";
import { describeBootEvent } from "../../../orchestrator/vm/boot-events.js";
import { bootTest } from "../../../orchestrator/vm/boot-test.js";
import { bootFiles, engine, kernelFiles, runnerImage } from "./vm-fixtures.js";

const boot = bootFiles();
const kernel = kernelFiles();
const BASIC = fileURLToPath(new URL("../../boot/basic.yaml", import.meta.url));

/** This process's VMs only: the engine may be shared with other builds and tests that start their own. */
async function vmContainers(): Promise<string[]> {
  return (await engine.containers.list({ [LABEL_TOOL]: "1", [LABEL_ROLE]: "vm", [LABEL_RUN]: engine.runId })).map((c) => c.name);
}

describe("bootTest (real engine, TCG)", () => {
  let image: string;
  beforeAll(async () => {
    image = await runnerImage();
  });

  for (const uefi of [false, true]) {
    it(`boots to a shell${uefi ? " with UEFI (OVMF)" : " with SeaBIOS"}, runs basic.yaml, powers off and removes the VM`, async () => {
      const before = await vmContainers();
      const lines: string[] = [];
      const result = await bootTest({
        engine,
        vm: { runnerImage: image, boot, accel: "tcg", uefi, memory: "512M", cpus: 1 },
        checks: await loadBootChecks(BASIC),
        shellTimeoutSeconds: 30,
        onEvent: (event) => lines.push(describeBootEvent(event)),
      });
      expect(result.kernelRelease).toMatch(/^\d+\.\d+\.\d+/);
      expect(result.timeToShellMs).toBeGreaterThan(0);
      expect(result.results.filter((r) => !r.passed), result.transcript.slice(-3000)).toEqual([]);
      expect(result.results.length).toBeGreaterThanOrEqual(5);
      expect(result.poweredOff).toBe(true);
      expect(result.transcript).toContain(`\n${result.kernelRelease}\n`);
      expect(lines).toContain(`uname -r: ${result.kernelRelease}`);
      expect(await vmContainers()).toEqual(before);
    });
  }

  it("removes the VM when aborted while booting", async () => {
    const before = await vmContainers();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new InterruptedError("SIGINT")), 1500);
    const error = await bootTest({ engine, vm: { runnerImage: image, boot, accel: "tcg", uefi: false, memory: "512M", cpus: 1 }, checks: [], signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(await vmContainers()).toEqual(before);
  });

  it("fails with the console's last lines when no shell appears (direct kernel boot)", async () => {
    const before = await vmContainers();
    const silent = { kind: "kernel" as const, ...kernel, append: "console=ttyS0 panic=0 rdinit=/nonexistent root=/dev/nowhere" };
    const error = await bootTest({ engine, vm: { runnerImage: image, boot: silent, accel: "tcg", uefi: false, memory: "512M", cpus: 1 }, checks: [], shellTimeoutSeconds: 5 }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/the VM did not boot to a shell \(tcg\): no shell prompt within 20 s/);
    expect((error as UserError).details.join("\n")).toMatch(/Kernel panic|VFS/);
    expect(await vmContainers()).toEqual(before);
  });
});
