// Named VMs against the real engine: two at once, exec from separate processes, logs, status, stop; disks that persist.
import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { createDisk, listDisks, removeDisk } from "../../../orchestrator/vm/disks.js";
import { ConsoleTimeoutError } from "../../../orchestrator/vm/serial-console.js";
import type { ExecResult } from "../../../orchestrator/vm/serial-console.js";
import { findVm, listVms, startVm } from "../../../orchestrator/vm/vm.js";
import { bootFiles, compiledOrchestrator, engine, removeCompiled, runnerImage } from "./vm-fixtures.js";

const boot = bootFiles();
// Names of this process only, so a parallel run on the same engine never meets (or cleans up) these VMs and disks.
const RUN = `itest-${process.pid.toString(36)}`;
const A = `${RUN}-a`;
const B = `${RUN}-b`;
const DISK = `${RUN}-disk`;
const BLANK = `${RUN}-blank`;

/** Finds the VM and runs a command in it from a fresh node process, as a later `levitate-docker vm exec` would. */
async function execElsewhere(name: string, command: string): Promise<ExecResult> {
  const dir = await compiledOrchestrator();
  const url = (file: string) => pathToFileURL(join(dir, file)).href;
  const script = `
    const { createEngine } = await import(${JSON.stringify(url("docker/engine.js"))});
    const { findVm } = await import(${JSON.stringify(url("vm/vm.js"))});
    const vm = await findVm(createEngine(), ${JSON.stringify(name)});
    const result = await vm.exec(${JSON.stringify(command)}, { timeoutMs: 60000, shellTimeoutMs: 180000 });
    process.stdout.write(JSON.stringify(result));`;
  const child = await execa("node", ["--input-type=module", "-e", script], { timeout: 240_000 });
  return JSON.parse(String(child.stdout)) as ExecResult;
}

async function cleanUp(): Promise<void> {
  for (const vm of await listVms(engine)) if (vm.name === A || vm.name === B) await (await findVm(engine, vm.name)).stop(5000);
  for (const disk of await listDisks({ engine, runnerImage: await runnerImage() })) {
    if (disk.name === DISK || disk.name === BLANK) await removeDisk({ engine, runnerImage: await runnerImage(), name: disk.name });
  }
}

describe("named VMs (real engine, TCG)", () => {
  let image: string;
  const start = (name: string, disk?: string) =>
    startVm(engine, { runnerImage: image, name, boot, accel: "tcg", memory: "256M", cpus: 1, uefi: false, ...(disk ? { disk } : {}) });

  beforeAll(async () => {
    image = await runnerImage();
    await compiledOrchestrator();
  });
  // Each test starts from none of these VMs or disks, even after an earlier failure.
  beforeEach(cleanUp);
  afterAll(async () => {
    await cleanUp();
    await removeCompiled();
  });

  it("runs two VMs at once, each reachable from another process, and stops them cleanly", async () => {
    await start(A);
    await start(B);
    await expect(start(A)).rejects.toThrow(new UserError(`a VM named ${A} already exists (running); pick another name or remove it with \`levitate-docker vm stop ${A}\``));
    const status = await listVms(engine);
    expect(status.filter((v) => v.name.startsWith(`${RUN}-`)).map((v) => [v.name, v.running, v.accel])).toEqual([
      [A, true, "tcg"],
      [B, true, "tcg"],
    ]);

    const [fromA, fromB] = await Promise.all([execElsewhere(A, "uname -r"), execElsewhere(B, "echo $((6 * 7)); exit 4")]);
    expect(fromA.exitCode).toBe(0);
    expect(fromA.output).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
    expect(fromB).toEqual({ output: "42\n", exitCode: 4 });
    // And again in the same VM, from yet another process.
    expect(await execElsewhere(A, "echo second")).toEqual({ output: "second\n", exitCode: 0 });
    // A command that outlasts its timeout is interrupted (Ctrl-C), so the console is free for the
    // next exec (which otherwise waits for a prompt that never comes).
    const vmA = await findVm(engine, A);
    await expect(vmA.exec("sleep 600", { timeoutMs: 3000, shellTimeoutMs: 180_000 })).rejects.toBeInstanceOf(ConsoleTimeoutError);
    expect(await vmA.exec("echo after", { timeoutMs: 20_000, shellTimeoutMs: 20_000 })).toEqual({ output: "after\n", exitCode: 0 });

    const logs = await (await findVm(engine, A)).logs({ follow: false, plain: true });
    let text = "";
    for await (const chunk of logs) text += String(chunk);
    expect(text).toContain(fromA.output.trim());
    // No exec's marker shows as a line of its own, and a command's output is there. (Not more: when
    // the guest is busy, its line editor redraws a typed line after a bare CR, which plain text
    // cannot show, and fragments of the typed text may stay in front of the prompt.)
    expect(text).toMatch(/^second$/m);
    expect(text).not.toMatch(/^LVD[0-9a-f]{12}_(?:B|E:\d+)$/m);
    // A follower that stops reading (Ctrl-C on `vm logs -f`) lets its process end: the log's socket closes with it.
    for (const plain of [true, false]) {
      const dir = await compiledOrchestrator();
      const url = (file: string) => pathToFileURL(join(dir, file)).href;
      const script = `
        const { createEngine } = await import(${JSON.stringify(url("docker/engine.js"))});
        const { findVm } = await import(${JSON.stringify(url("vm/vm.js"))});
        const logs = await (await findVm(createEngine(), ${JSON.stringify(A)})).logs({ follow: true, plain: ${plain} });
        logs.once("data", () => { logs.destroy(); process.stdout.write("stopped reading"); });`;
      const child = await execa("node", ["--input-type=module", "-e", script], { timeout: 30_000, reject: false });
      expect([child.timedOut, child.exitCode, String(child.stdout)], String(child.stderr)).toEqual([false, 0, "stopped reading"]);
    }

    expect(await (await findVm(engine, A)).stop(60_000)).toEqual({ how: "poweroff" });
    expect(await (await findVm(engine, B)).stop(60_000)).toEqual({ how: "poweroff" });
    expect((await listVms(engine)).filter((v) => v.name.startsWith(`${RUN}-`))).toEqual([]);
    await expect(findVm(engine, A)).rejects.toThrow(`there is no VM named ${A}`);
  });

  it("keeps a file on a disk across a stop and a start, and guards the disk while a VM uses it", async () => {
    const created = await createDisk({ engine, runnerImage: image, name: DISK, size: "64M" });
    expect(created).toMatchObject({ name: DISK, virtualSizeBytes: 64 * 1024 * 1024, usedBy: [] });
    await expect(createDisk({ engine, runnerImage: image, name: DISK, size: "64M" })).rejects.toThrow(`a disk named ${DISK} already exists`);

    await start(A, DISK);
    await expect(start(B, DISK)).rejects.toThrow(`disk ${DISK} is already used by VM ${A}`);
    const write = await (await findVm(engine, A)).exec("mkdir -p /mnt/d && mount /dev/vda /mnt/d && echo persisted > /mnt/d/hello && umount /mnt/d && echo written", { timeoutMs: 60_000, shellTimeoutMs: 180_000 });
    expect(write).toEqual({ output: "written\n", exitCode: 0 });
    await expect(removeDisk({ engine, runnerImage: image, name: DISK })).rejects.toThrow(`disk ${DISK} is in use by VM ${A}`);
    expect((await listDisks({ engine, runnerImage: image })).find((d) => d.name === DISK)?.usedBy).toEqual([A]);
    await (await findVm(engine, A)).stop(60_000);

    await start(A, DISK);
    const read = await (await findVm(engine, A)).exec("mkdir -p /mnt/d && mount /dev/vda /mnt/d && cat /mnt/d/hello", { timeoutMs: 60_000, shellTimeoutMs: 180_000 });
    expect(read).toEqual({ output: "persisted\n", exitCode: 0 });
    await (await findVm(engine, A)).stop(60_000);

    await removeDisk({ engine, runnerImage: image, name: DISK });
    expect((await listDisks({ engine, runnerImage: image })).map((d) => d.name)).not.toContain(DISK);
    await expect(removeDisk({ engine, runnerImage: image, name: DISK })).rejects.toThrow(`there is no disk named ${DISK}`);
  });

  it("a blank disk (filesystem: none) can be formatted from the guest with BusyBox", async () => {
    await createDisk({ engine, runnerImage: image, name: BLANK, size: "16M", filesystem: "none" });
    await start(B, BLANK);
    const result = await (await findVm(engine, B)).exec("mke2fs /dev/vda >/dev/null && mkdir -p /mnt/b && mount /dev/vda /mnt/b && echo formatted > /mnt/b/x && cat /mnt/b/x", { timeoutMs: 60_000, shellTimeoutMs: 180_000 });
    expect(result).toEqual({ output: "formatted\n", exitCode: 0 });
    await (await findVm(engine, B)).stop(60_000);
    await removeDisk({ engine, runnerImage: image, name: BLANK });
  });
});
