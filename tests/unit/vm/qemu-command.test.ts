// QEMU command lines for the ways a VM boots, compared with golden files; plus the option checks.
import { describe, expect, it } from "vitest";
import { vmMemoryProblem } from "../../../orchestrator/util/vm-memory.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { qemuCommand } from "../../../orchestrator/vm/qemu-command.js";
import type { QemuOptions } from "../../../orchestrator/vm/qemu-command.js";
import { expectGolden } from "../../helpers/golden.js";

const iso: QemuOptions = { accel: "tcg", boot: { kind: "iso" }, memory: "512M", cpus: 2, uefi: false };

const cases: Record<string, QemuOptions> = {
  "iso-bios-tcg": iso,
  "iso-uefi-kvm": { ...iso, accel: "kvm", uefi: true },
  "kernel-append-disk": {
    ...iso,
    boot: { kind: "kernel", append: "console=ttyS0 panic=-1 levitate.debug=1", initramfs: true },
    disks: ["data"],
    memory: "1G",
    cpus: 1,
  },
  "iso-uefi-firmware-two-disks-user-net": {
    ...iso,
    uefi: true,
    firmware: "/usr/share/OVMF/OVMF.fd",
    disks: ["data", "scratch-2"],
    network: "user",
  },
  "kernel-user-net-publish": {
    ...iso,
    boot: { kind: "kernel", append: "console=ttyS0", initramfs: true },
    network: "user",
    forwards: [{ host: 8080, guest: 80, protocol: "tcp" }, { host: 5353, guest: 53, protocol: "udp" }],
  },
  "iso-host-net-publish": { ...iso, network: "host", forwards: [{ host: 8080, guest: 80, protocol: "tcp" }] },
};

/** One argument per line, so a golden diff shows exactly which one changed. */
function render(argv: readonly string[]): string {
  return `${argv.map((arg) => (/^[\w./:,=+-]+$/.test(arg) ? arg : JSON.stringify(arg))).join("\n")}\n`;
}

describe("qemuCommand", () => {
  for (const [name, options] of Object.entries(cases)) {
    it(`matches golden file vm/${name}.txt`, () => {
      expectGolden(`vm/${name}.txt`, render(qemuCommand(options)));
    });
  }

  it("routes the serial port to stdio without QEMU's signal handling and never falls back to a graphical display", () => {
    const argv = qemuCommand(iso);
    expect(argv.join(" ")).toContain("-chardev stdio,id=s0,signal=off -serial chardev:s0");
    expect(argv).not.toContain("-nographic");
    expect(argv.join(" ")).not.toMatch(/-cpu host/);
  });

  it("rejects bad cpus and disk names with what was expected (memory is checked where it enters)", () => {
    expect(vmMemoryProblem("lots")).toBe('expected a memory size like 256M or 1G, got "lots"');
    expect(vmMemoryProblem("512M")).toBeNull();
    expect(() => qemuCommand({ ...iso, cpus: 0 })).toThrow("VM cpus must be a whole number from 1 to 64, got 0");
    expect(() => qemuCommand({ ...iso, disks: ["../etc"] })).toThrow(/disk name must be 1-63 characters/);
  });
});
