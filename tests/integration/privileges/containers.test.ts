// Every container the tool creates (stage, its volume helper, locks, the VM, the KVM probe and canary, the disk tool),
// inspected the moment it exists: its capabilities, user, pids and memory limits, network, devices and mounts.
import Docker from "dockerode";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../../../orchestrator/build/build.js";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import { PREPARE_CAPS } from "../../../orchestrator/docker/volume-owner.js";
import { createReporter } from "../../../orchestrator/progress/reporter.js";
import { canaryBoot } from "../../../orchestrator/vm/kvm-canary.js";
import { chooseAccelerator } from "../../../orchestrator/vm/accel.js";
import { createDisk, removeDisk } from "../../../orchestrator/vm/disks.js";
import { startVm } from "../../../orchestrator/vm/vm.js";
import { copyProject } from "../../helpers/project-copy.js";
import { BASE_IMAGE } from "../../helpers/engine.js";
import { runnerImage } from "../vm/vm-fixtures.js";

interface Seen {
  readonly role: string;
  readonly name: string;
  readonly user: string;
  readonly capDrop: readonly string[];
  readonly capAdd: readonly string[];
  readonly securityOpt: readonly string[];
  readonly privileged: boolean;
  readonly pidsLimit: number;
  readonly memory: number;
  readonly network: string;
  readonly devices: readonly string[];
  readonly binds: readonly string[];
  readonly readOnlyRootfs: boolean;
}

const seen: Seen[] = [];
const original = Docker.prototype.createContainer;

/** Records each container as the engine reports it, right after creation (before it can start or be removed). */
function watchCreations(): void {
  Docker.prototype.createContainer = async function (this: Docker, options: Docker.ContainerCreateOptions) {
    const container = await original.call(this, options);
    const info = await container.inspect();
    const host = info.HostConfig;
    seen.push({
      role: info.Config.Labels?.["levitate-docker.role"] ?? "?",
      name: info.Name.replace(/^\//, ""),
      user: info.Config.User || "root (image default)",
      capDrop: host.CapDrop ?? [],
      capAdd: host.CapAdd ?? [],
      securityOpt: host.SecurityOpt ?? [],
      privileged: host.Privileged ?? false,
      pidsLimit: host.PidsLimit ?? 0,
      memory: host.Memory ?? 0,
      network: host.NetworkMode ?? "",
      devices: (host.Devices ?? []).map((d: { PathOnHost: string }) => d.PathOnHost),
      binds: [...(host.Binds ?? []), ...info.Mounts.filter((m) => m.Type === "bind").map((m) => m.Source)],
      readOnlyRootfs: host.ReadonlyRootfs ?? false,
    }) as unknown;
    return container;
  } as typeof Docker.prototype.createContainer;
}

/** What is wrong with a container's privileges ([] when it has nothing beyond the policy). */
function violations(c: Seen): string[] {
  const wrong: string[] = [];
  if (c.capDrop.join(",") !== "ALL") wrong.push(`CapDrop is [${c.capDrop.join(", ")}], expected [ALL]`);
  const allowedAdd: readonly string[] = c.role === "prepare" ? PREPARE_CAPS : [];
  const extra = c.capAdd.filter((cap) => !allowedAdd.includes(cap.replace(/^CAP_/, "")));
  if (extra.length > 0) wrong.push(`adds capabilities ${extra.join(", ")}`);
  if (!c.securityOpt.includes("no-new-privileges")) wrong.push("may gain privileges (no no-new-privileges)");
  if (c.privileged) wrong.push("privileged");
  if (!(c.pidsLimit > 0 && c.pidsLimit <= 65536)) wrong.push(`pids limit ${c.pidsLimit}`);
  if (!(c.memory > 0)) wrong.push("no memory limit");
  if (c.network !== "none") wrong.push(`network ${c.network}`);
  const kvmOk = c.role === "vm" || c.role === "vm-tool";
  const badDevices = c.devices.filter((d) => !(kvmOk && d === "/dev/kvm"));
  if (badDevices.length > 0) wrong.push(`devices ${badDevices.join(", ")}`);
  if (c.binds.length > 0) wrong.push(`bind mounts ${c.binds.join(", ")} (the Docker socket or any host path)`);
  if (c.role === "stage" || c.role === "warm") {
    if (c.user !== "nobody") wrong.push(`stage runs as ${c.user}, expected nobody`);
    if (!c.readOnlyRootfs) wrong.push("stage root filesystem is writable");
  }
  return wrong;
}

describe("privileges of every container the tool creates", () => {
  const prefix = `lvpriv-${process.pid.toString(36)}`;
  const engine = createEngine({ env: { ...process.env, LEVITATE_VOLUME_PREFIX: prefix } });
  const scratch: string[] = [];

  afterAll(async () => {
    Docker.prototype.createContainer = original;
    for (const v of await engine.volumes.list({ "levitate-docker": "1" })) if (v.name.startsWith(prefix)) await engine.volumes.remove(v.name);
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
    const width = Math.max(...seen.map((c) => c.role.length), 4);
    console.log(
      [
        `${"role".padEnd(width)}  user                   caps (drop / add)                                   pids   memory    network  devices   rootfs`,
        ...seen.map(
          (c) =>
            `${c.role.padEnd(width)}  ${c.user.padEnd(21)}  ${`${c.capDrop.join(",")} / ${c.capAdd.join(",") || "-"}`.padEnd(50)}  ${String(c.pidsLimit).padEnd(5)}  ${`${Math.round(c.memory / 1024 ** 2)}M`.padEnd(8)}  ${c.network.padEnd(7)}  ${(c.devices.join(",") || "-").padEnd(8)}  ${c.readOnlyRootfs ? "read-only" : "writable"}`,
        ),
      ].join("\n"),
    );
  });

  it("a stage (with its volume helper and build-tree lock), the KVM probe, the canary, a VM and the disk tool have nothing beyond the policy", async () => {
    watchCreations();
    // A stage container: OpenRC when its tarball is in the mirror (about 10 s cold), else BusyBox (about 90 s).
    const project = await copyProject("privileges", { sharedCache: true });
    scratch.push(project.dir);
    const mirror = project.env.LEVITATE_MIRROR!;
    const openrc = existsSync(join(mirror, "openrc-0.54.tar.gz"));
    const env = { ...process.env, ...project.env, LEVITATE_VOLUME_PREFIX: prefix, CI: "true" };
    const reporter = createReporter({ mode: "plain", out: process.stderr });
    await build({
      cwd: project.dir,
      env,
      configPath: project.configFile,
      profile: "offline",
      flavour: openrc ? "openrc" : "minimal",
      only: [openrc ? "openrc" : "busybox"],
      force: true,
      engine,
      reporter,
    });
    reporter.close();

    const image = await runnerImage();
    const dir = await mkdtemp(join(tmpdir(), "privileges-"));
    scratch.push(dir);
    const kernel = join(dir, "bzImage");
    await writeFile(kernel, "not a kernel: the containers are what is inspected");
    await chooseAccelerator({ engine, requested: "auto", runnerImage: image, cacheRoot: dir, recheck: true });
    await canaryBoot({ engine, runnerImage: image, kernel, accel: existsSync("/dev/kvm") ? "kvm" : "tcg", deadlineMs: 5_000 });
    const vm = `priv-${process.pid.toString(36)}`;
    const iso = join(dir, "levitate.iso");
    await writeFile(iso, "not an ISO");
    const started = await startVm(engine, { runnerImage: image, name: vm, boot: { kind: "iso", iso }, accel: "tcg", memory: "256M", cpus: 1, uefi: false });
    await started.stop(2_000);
    const disk = `priv-${process.pid.toString(36)}`;
    await createDisk({ engine, runnerImage: image, name: disk, size: "16M" });
    await removeDisk({ engine, runnerImage: image, name: disk });

    // A warm container (the iso stage's, kept for the next build), with a stage's spec; it exits within 2 s once idle.
    const warm = await engine.containers.warm!(
      {
        image: BASE_IMAGE,
        cmd: ["sh", "-c", "tar -C /in -xf - && true"],
        network: "none",
        user: "nobody",
        readOnlyRootfs: true,
        stdinOnce: true,
        tmpfs: { "/tmp": "rw,size=16m,mode=1777", "/in": "rw,size=16m,uid=65534,gid=65534" },
        labels: { "levitate-docker.role": "stage", "levitate-docker.stage": "privileges-warm", "levitate-docker.test": prefix },
      },
      { idleSeconds: 2 },
    );
    expect((await warm.run({})).exitCode).toBe(0);

    const roles = new Set(seen.map((c) => c.role));
    for (const role of ["stage", "prepare", "lease", "vm", "vm-tool", "warm"]) expect(roles, `a ${role} container was created`).toContain(role);
    const wrong = seen.flatMap((c) => violations(c).map((v) => `${c.role} ${c.name}: ${v}`));
    expect(wrong).toEqual([]);
  });
});
