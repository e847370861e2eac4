// VM and disk bookkeeping without Docker: names, labels, clear errors for taken names, missing files and busy disks.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { parseDiskListing, parseSize, removeDisk } from "../../../orchestrator/vm/disks.js";
import { findVm, listVms, startVm } from "../../../orchestrator/vm/vm.js";
import type { VmSpec } from "../../../orchestrator/vm/vm-spec.js";
import { FakeEngine } from "../../helpers/fake-engine.js";

let dir: string;
let iso: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vm-unit-"));
  iso = join(dir, "levitate.iso");
  await writeFile(iso, "not really an iso");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const vmSpec = (name: string, extra: Partial<VmSpec> = {}): VmSpec => ({
  runnerImage: "runner",
  name,
  boot: { kind: "iso" as const, iso },
  accel: "tcg" as const,
  memory: "256M",
  cpus: 1,
  uefi: false,
  ...extra,
});

describe("startVm", () => {
  it("starts a labelled, stdin-open container named after the VM, with the ISO as an input", async () => {
    const engine = new FakeEngine();
    const vm = await startVm(engine, vmSpec("web"));
    expect([vm.name, vm.containerName, vm.accel]).toEqual(["web", "levitate-vm-web", "tcg"]);
    const spec = engine.created.get("levitate-vm-web")!.spec;
    expect(spec).toMatchObject({ image: "runner", network: "none", openStdin: true, tty: false });
    expect(spec.devices).toBeUndefined();
    expect(spec.labels).toEqual({
      "levitate-docker.role": "vm",
      "levitate-docker.vm": "web",
      "levitate-docker.vm.accel": "tcg",
      "levitate-docker.vm.boot": "iso",
      "levitate-docker.vm.disk": "",
      "levitate-docker.vm.network": "none",
      "levitate-docker.vm.publish": "",
    });
    expect(spec.cmd.join(" ")).toContain("-drive file=/vm/levitate.iso,media=cdrom");
    expect((await listVms(engine)).map((v) => [v.name, v.running, v.disk])).toEqual([["web", true, null]]);
  });

  it("user networking: a bridge container with each forward published on the host's 127.0.0.1, and QEMU's hostfwd; listVms shows them", async () => {
    const engine = new FakeEngine();
    const forwards = [{ host: 18080, guest: 80, protocol: "tcp" as const }, { host: 15353, guest: 53, protocol: "udp" as const }];
    await startVm(engine, vmSpec("web", { network: "user", forwards }));
    const spec = engine.created.get("levitate-vm-web")!.spec;
    expect(spec.network).toBe("bridge");
    expect(spec.ports).toEqual([
      { containerPort: 18080, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 18080 },
      { containerPort: 15353, protocol: "udp", hostIp: "127.0.0.1", hostPort: 15353 },
    ]);
    expect(spec.cmd).toContain("user,model=virtio-net-pci,hostfwd=tcp::18080-:80,hostfwd=udp::15353-:53");
    const [status] = await listVms(engine);
    expect([status?.network, status?.forwards]).toEqual(["user", forwards]);
  });

  it("host networking: the host's network, hostfwd on 127.0.0.1 itself, nothing published by Docker", async () => {
    const engine = new FakeEngine();
    await startVm(engine, vmSpec("web", { network: "host", forwards: [{ host: 18080, guest: 80, protocol: "tcp" }] }));
    const spec = engine.created.get("levitate-vm-web")!.spec;
    expect([spec.network, spec.ports]).toEqual(["host", undefined]);
    expect(spec.cmd).toContain("user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:18080-:80");
  });

  it("passes /dev/kvm only under KVM", async () => {
    const engine = new FakeEngine();
    await startVm(engine, vmSpec("fast", { accel: "kvm" }));
    expect(engine.created.get("levitate-vm-fast")!.spec.devices).toEqual(["/dev/kvm"]);
  });

  it("refuses a name that is taken, a bad name, and a missing ISO, saying what was expected", async () => {
    const engine = new FakeEngine();
    await startVm(engine, vmSpec("web"));
    engine.created.get("levitate-vm-web")!.running = false;
    await expect(startVm(engine, vmSpec("web"))).rejects.toThrow(
      new UserError("a VM named web already exists (stopped); pick another name or remove it with `levitate-docker vm stop web`"),
    );
    await expect(startVm(engine, vmSpec("Web Server"))).rejects.toThrow(/^VM name must be 1-63 characters .* got "Web Server"$/);
    await expect(startVm(engine, vmSpec("x", { boot: { kind: "iso", iso: join(dir, "nope.iso") } }))).rejects.toThrow(
      `expected the ISO at ${join(dir, "nope.iso")}, but there is no such file (run \`levitate-docker build\` first?)`,
    );
  });

  it("refuses a disk another VM uses, and removeDisk refuses it too", async () => {
    const engine = new FakeEngine();
    await engine.containers.start({ image: "runner", name: "levitate-vm-db", cmd: [], network: "none", labels: { "levitate-docker.role": "vm", "levitate-docker.vm": "db", "levitate-docker.vm.disk": "data" } });
    await expect(startVm(engine, vmSpec("web", { disk: "data" }))).rejects.toThrow("disk data is already used by VM db; a disk can be attached to one VM at a time");
    await expect(removeDisk({ engine, runnerImage: "runner", name: "data" })).rejects.toThrow("disk data is in use by VM db; stop it first (levitate-docker vm stop db)");
    expect(engine.runs).toEqual([]);
  });
});

describe("a started VM found by name", () => {
  it("names the VM that does not exist or is not running", async () => {
    const engine = new FakeEngine();
    await expect(findVm(engine, "ghost")).rejects.toThrow("there is no VM named ghost (levitate-docker vm status lists them)");
    await startVm(engine, vmSpec("web", { accel: "kvm" }));
    const found = await findVm(engine, "web");
    expect(found.accel).toBe("kvm");
    engine.created.get("levitate-vm-web")!.running = false;
    await expect(found.exec("true", { timeoutMs: 100 })).rejects.toThrow(
      "VM web is not running (QEMU exited with code 0); `levitate-docker vm logs web` shows why",
    );
    expect(await found.stop(100)).toEqual({ how: "not-running" });
    expect(engine.created.size).toBe(0);
  });

  it("is removed when disposed, whatever it was doing", async () => {
    const engine = new FakeEngine();
    {
      await using vm = await startVm(engine, vmSpec("scratch"));
      expect(await vm.state()).toMatchObject({ running: true });
    }
    expect(engine.created.size).toBe(0);
    expect(engine.removed).toEqual(["container levitate-vm-scratch"]);
  });
});

describe("disk helpers", () => {
  it("parses sizes in binary units and rejects nonsense", () => {
    expect(parseSize("1G")).toBe(2 ** 30);
    expect(parseSize("512M")).toBe(512 * 2 ** 20);
    expect(parseSize("64MiB")).toBe(64 * 2 ** 20);
    expect(parseSize(2 ** 20)).toBe(2 ** 20);
    expect(() => parseSize("1.5G")).toThrow('disk size must be between 1M and 1T, like 512M or 2G; got "1.5G"');
    expect(() => parseSize("10K")).toThrow(UserError);
    expect(() => parseSize("2T")).toThrow(UserError);
  });

  it("parses the qemu-img listing", () => {
    const output = [
      "--- zeta",
      JSON.stringify({ "virtual-size": 1073741824, filename: "/disks/zeta.qcow2", format: "qcow2", "actual-size": 200704 }, null, 4),
      "--- alpha",
      JSON.stringify({ "virtual-size": 67108864, "actual-size": 1000 }),
      "",
    ].join("\n");
    expect(parseDiskListing(output)).toEqual([
      { name: "alpha", virtualSizeBytes: 67108864, actualSizeBytes: 1000 },
      { name: "zeta", virtualSizeBytes: 1073741824, actualSizeBytes: 200704 },
    ]);
  });
});
