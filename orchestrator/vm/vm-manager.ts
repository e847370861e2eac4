// Named VMs: long-lived runner containers whose stdio is the guest's serial console; each call works from a fresh process.
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import type { Engine, InputFile } from "../docker/types.js";
import { LABEL_ROLE } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { memorySizeBytes } from "../util/memory-size.js";
import { ConsoleTextDecoder } from "./console-text.js";
import { diskExists, diskUsers } from "./disks.js";
import type { Accelerator } from "./qemu-command.js";
import { qemuCommand } from "./qemu-command.js";
import { SerialConsole } from "./serial-console.js";
import type { ExecResult } from "./serial-console.js";
import {
  DISKS_DIR,
  DISK_VOLUME,
  LABEL_VM,
  LABEL_VM_ACCEL,
  LABEL_VM_BOOT,
  LABEL_VM_DISK,
  ROLE_VM,
  VM_DIR,
  checkName,
  vmContainerName,
} from "./vm-paths.js";

/** Host files the guest boots from: the ISO, or a kernel (+ initramfs) with its command line. */
export type VmBootFiles =
  | { readonly kind: "iso"; readonly iso: string }
  | { readonly kind: "kernel"; readonly kernel: string; readonly initramfs?: string; readonly append: string };

export interface StartVmOptions {
  readonly engine: Engine;
  readonly runnerImage: string;
  readonly name: string;
  readonly boot: VmBootFiles;
  readonly accel: Accelerator;
  /** QEMU size syntax, e.g. "512M". */
  readonly memory: string;
  readonly cpus: number;
  readonly uefi: boolean;
  /** OVMF path inside the runner image, when it is not the default. */
  readonly firmware?: string;
  /** Name of a disk in the levitate-disks volume (see disks.ts); the guest sees it as /dev/vda. */
  readonly disk?: string;
  /** Guest networking; default none. */
  readonly network?: "none" | "user";
  /** Outlives this process (`vm start`); otherwise the VM is ours and reaped if we die. */
  readonly detached?: boolean;
}

/** QEMU's own needs (TCG translation cache, firmware, I/O) on top of the guest's memory. */
const QEMU_OVERHEAD_BYTES = 1536 * 1024 ** 2;

/** The runner container's memory limit for a guest of `memory` ("256M", "2G"). */
export function vmContainerMemory(memory: string): number {
  const guest = memorySizeBytes(memory);
  return Math.max(4 * 1024 ** 3, (Number.isNaN(guest) ? 0 : guest) + QEMU_OVERHEAD_BYTES);
}

export interface VmHandle {
  readonly name: string;
  readonly containerName: string;
  readonly containerId: string;
  readonly accel: Accelerator;
}

export interface VmStatus {
  readonly name: string;
  readonly containerName: string;
  readonly running: boolean;
  /** Docker's state ("running", "exited") and status text ("Up 3 minutes"). */
  readonly state: string;
  readonly status: string;
  readonly accel: string;
  readonly disk: string | null;
  readonly boot: string;
}

export async function startVm(options: StartVmOptions): Promise<VmHandle> {
  const { engine } = options;
  const name = checkName("VM", options.name);
  const containerName = vmContainerName(name);
  const existing = await engine.containers.inspect(containerName);
  if (existing !== null) {
    throw new UserError(
      `a VM named ${name} already exists (${existing.running ? "running" : "stopped"}); pick another name or remove it with \`levitate-docker vm stop ${name}\``,
    );
  }
  const files = await bootInputs(options.boot);
  if (options.disk !== undefined) await checkDiskFree(options, options.disk);
  const argv = qemuCommand({
    accel: options.accel,
    boot: options.boot.kind === "iso" ? { kind: "iso" } : { kind: "kernel", append: options.boot.append, initramfs: options.boot.initramfs !== undefined },
    memory: options.memory,
    cpus: options.cpus,
    uefi: options.uefi,
    ...(options.firmware === undefined ? {} : { firmware: options.firmware }),
    disks: options.disk === undefined ? [] : [options.disk],
    network: options.network ?? "none",
  });
  const containerId = await engine.containers.start(
    {
      image: options.runnerImage,
      name: containerName,
      cmd: argv,
      network: options.network === "user" ? "bridge" : "none",
      memoryBytes: vmContainerMemory(options.memory),
      ...(options.detached === true ? { detached: true } : {}),
      ...(options.accel === "kvm" ? { devices: ["/dev/kvm"] } : {}),
      ...(options.disk === undefined ? {} : { mounts: [{ volume: DISK_VOLUME, target: DISKS_DIR }] }),
      labels: {
        [LABEL_ROLE]: ROLE_VM,
        [LABEL_VM]: name,
        [LABEL_VM_ACCEL]: options.accel,
        [LABEL_VM_BOOT]: `${options.boot.kind}${options.uefi ? "+uefi" : ""}`,
        [LABEL_VM_DISK]: options.disk ?? "",
      },
      openStdin: true,
      tty: false,
    },
    { inputs: [{ dir: VM_DIR, files }] },
  );
  return { name, containerName, containerId, accel: options.accel };
}

/**
 * Attaches to the VM's console, waits for a prompt, runs `command`, detaches. One exec per VM at a time.
 * Kernel messages are kept off the console first (`dmesg -n 1`), so they do not mix into the output.
 */
export async function execInVm(options: {
  readonly engine: Engine;
  readonly name: string;
  readonly command: string;
  readonly timeoutMs: number;
  /** How long to wait for a prompt first (a VM started a moment ago may still be booting); default 60 s. */
  readonly shellTimeoutMs?: number;
  readonly signal?: AbortSignal;
}): Promise<ExecResult> {
  const containerName = await runningVm(options.engine, options.name);
  const attached = await options.engine.containers.attach(containerName);
  const console = new SerialConsole(
    { output: attached.output, input: attached.stdin },
    options.signal === undefined ? {} : { signal: options.signal },
  );
  try {
    await console.waitForShell(options.shellTimeoutMs ?? 60_000);
    await console.quietKernel(options.timeoutMs);
    return await console.exec(options.command, options.timeoutMs);
  } finally {
    console.dispose();
    attached.close();
  }
}

/**
 * The serial log (the container's output) from boot on; `plain` removes CRs and terminal escapes.
 * Docker's log releases a line when its newline arrives, so a prompt waiting for input shows late.
 */
export async function vmLogs(options: {
  readonly engine: Engine;
  readonly name: string;
  readonly follow: boolean;
  readonly plain?: boolean;
}): Promise<Readable> {
  const containerName = vmContainerName(options.name);
  if ((await options.engine.containers.inspect(containerName)) === null) throw noSuchVm(options.name);
  const logs = await options.engine.containers.logs(containerName, { follow: options.follow });
  if (options.plain !== true) return logs;
  const decoder = new ConsoleTextDecoder();
  return logs.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        done(null, decoder.push(chunk));
      },
      flush(done) {
        done(null, decoder.flush());
      },
    }),
  );
}

export async function vmStatus(options: { readonly engine: Engine }): Promise<VmStatus[]> {
  const containers = await options.engine.containers.list({ [LABEL_ROLE]: ROLE_VM }, { all: true });
  return containers
    .map((c) => ({
      name: c.labels[LABEL_VM] ?? c.name,
      containerName: c.name,
      running: c.state === "running",
      state: c.state,
      status: c.status,
      accel: c.labels[LABEL_VM_ACCEL] ?? "",
      disk: c.labels[LABEL_VM_DISK] === undefined || c.labels[LABEL_VM_DISK] === "" ? null : c.labels[LABEL_VM_DISK]!,
      boot: c.labels[LABEL_VM_BOOT] ?? "",
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface StopVmResult {
  /** poweroff: the guest shut down cleanly; stopped: QEMU was sent SIGTERM; killed: SIGKILL; not-running: it had already ended. */
  readonly how: "poweroff" | "stopped" | "killed" | "not-running";
}

/** `poweroff` in the guest, then stop, then kill the container if it is still up after `timeoutMs`; always removes it. */
export async function stopVm(options: { readonly engine: Engine; readonly name: string; readonly timeoutMs: number }): Promise<StopVmResult> {
  const { engine } = options;
  const containerName = vmContainerName(options.name);
  const state = await engine.containers.inspect(containerName);
  if (state === null) throw noSuchVm(options.name);
  let how: StopVmResult["how"] = "not-running";
  try {
    if (state.running) how = await shutDown(engine, containerName, options.timeoutMs);
  } finally {
    await engine.containers.remove(containerName);
  }
  return { how };
}

/** Powers the guest off through its console, escalating to SIGTERM and SIGKILL for QEMU. */
export async function shutDown(engine: Engine, containerName: string, timeoutMs: number): Promise<"poweroff" | "stopped" | "killed"> {
  let closed = false;
  try {
    const attached = await engine.containers.attach(containerName);
    const console = new SerialConsole({ output: attached.output, input: attached.stdin });
    try {
      closed = await console.poweroff(timeoutMs);
    } finally {
      console.dispose();
      attached.close();
    }
  } catch {
    // Attaching can fail when the VM ends at that moment: the checks below tell.
  }
  // The console closing means QEMU ended; give Docker a moment to record the exit before escalating.
  if (await stopsWithin(engine, containerName, closed ? 5_000 : 0)) return "poweroff";
  await engine.containers.stop(containerName, 5);
  if (!(await engine.containers.inspect(containerName))?.running) return "stopped";
  await engine.containers.kill(containerName);
  return "killed";
}

async function stopsWithin(engine: Engine, containerName: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await engine.containers.inspect(containerName))?.running) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function runningVm(engine: Engine, name: string): Promise<string> {
  const containerName = vmContainerName(name);
  const state = await engine.containers.inspect(containerName);
  if (state === null) throw noSuchVm(name);
  if (!state.running) {
    throw new UserError(`VM ${name} is not running (QEMU exited with code ${state.exitCode}); \`levitate-docker vm logs ${name}\` shows why`);
  }
  return containerName;
}

function noSuchVm(name: string): UserError {
  return new UserError(`there is no VM named ${name} (levitate-docker vm status lists them)`);
}

async function checkDiskFree(options: StartVmOptions, disk: string): Promise<void> {
  checkName("disk", disk);
  const users = (await diskUsers(options.engine)).get(disk) ?? [];
  if (users.length > 0) throw new UserError(`disk ${disk} is already used by VM ${users.join(", ")}; a disk can be attached to one VM at a time`);
  if (!(await diskExists(options, disk))) {
    throw new UserError(`there is no disk named ${disk}; create it with \`levitate-docker disk create ${disk} 1G\``);
  }
}

async function bootInputs(boot: VmBootFiles): Promise<InputFile[]> {
  const wanted: [string, string, string][] =
    boot.kind === "iso"
      ? [["ISO", boot.iso, "levitate.iso"]]
      : [["kernel", boot.kernel, "bzImage"], ...(boot.initramfs === undefined ? [] : [["initramfs", boot.initramfs, "initramfs.cpio.gz"] as [string, string, string]])];
  const files: InputFile[] = [];
  for (const [what, hostPath, path] of wanted) {
    const info = await stat(hostPath).catch(() => null);
    if (info === null || !info.isFile()) {
      throw new UserError(`expected the ${what} at ${hostPath}, but there is no such file (run \`levitate-docker build\` first?)`);
    }
    files.push({ path, hostPath, mode: 0o644 });
  }
  return files;
}
