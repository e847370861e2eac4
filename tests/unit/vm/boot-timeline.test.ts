// The boot breakdown from timed serial text: phases from firmware, GRUB, printk times and OpenRC lines.
import { describe, expect, it } from "vitest";
import { bootTimeline, formatTimeline, timedLines } from "../../../orchestrator/vm/boot-timeline.js";
import type { TimedLine } from "../../../orchestrator/vm/boot-timeline.js";

const at = (atMs: number, line: string): TimedLine => ({ atMs, line });

/** An OpenRC boot: QEMU prints at 300 ms, the kernel starts at 1500 ms (host clock). */
const OPENRC_BOOT: TimedLine[] = [
  at(300, "SeaBIOS (version 1.16.2-debian-1.16.2-1)"),
  at(700, "Booting from DVD/CD..."),
  // The log buffer replayed when the serial console registers (printed at 0.5 s kernel time).
  at(2000, "[    0.000000] Linux version 6.12.117 (levitate@levitate-docker)"),
  at(2000, "[    0.100000] Command line: console=ttyS0"),
  at(2050, "[    0.500000] Serial: 8250/16550 driver, 4 ports, IRQ sharing disabled"),
  // TCG: the clock is re-based when the TSC is marked stable; this time must not move the start.
  at(2300, "[    4.900000] Freeing unused kernel image (initmem) memory: 580K"),
  at(2400, "[    4.950000] Run /init as init process"),
  at(2600, "   OpenRC 0.54 is starting up Linux 6.12.117 (x86_64)"),
  at(2700, " * Mounting /proc ... [ ok ]"),
  at(3500, " * Starting syslogd ... [ ok ]"),
  at(3600, " * Bringing up network interface lo ... [ ok ]"),
  at(3700, "root@levitate:/# "),
  at(3750, "root@levitate:/# "),
];

describe("timedLines", () => {
  it("times each line by the arrival of its first character, across chunks", () => {
    const lines = timedLines([
      { atMs: 10, text: "SeaBIOS\nBoot" },
      { atMs: 25, text: "ing from DVD/CD...\n" },
      { atMs: 40, text: "\n[    0.0] Linux" },
    ]);
    expect(lines).toEqual([at(10, "SeaBIOS"), at(10, "Booting from DVD/CD..."), at(40, ""), at(40, "[    0.0] Linux")]);
  });
});

describe("bootTimeline", () => {
  it("splits an OpenRC boot into phases that add up to the time to shell", () => {
    const timeline = bootTimeline(OPENRC_BOOT, 3800);
    expect(timeline.phases.map((p) => [p.name, Math.round(p.ms)])).toEqual([
      ["QEMU start and firmware (container, emulator, BIOS/UEFI to the boot loader)", 700],
      ["boot loader (GRUB loads kernel and initramfs; kernel unpacks)", 800],
      ["kernel (to starting /init)", 900],
      ["init (to OpenRC's banner)", 200],
      ["OpenRC runlevels (to a shell prompt)", 1100],
      ["the prompt that answered the test's Enter", 100],
    ]);
    expect(timeline.phases.reduce((sum, p) => sum + p.ms, 0)).toBeCloseTo(3800);
    expect(timeline.totalMs).toBe(3800);
    expect(timeline.slowestSteps[0]).toEqual({ label: "Mounting /proc", ms: 800 });
    expect(timeline.slowestSteps).toHaveLength(3);
    expect(timeline.openrc).toBe(true);
  });

  it("splits OpenRC's part a runlevel a phase, given each runlevel's end", () => {
    // Timed before the console shell's start, which the prompt (3700) marks: 3000, 3550 and 3650 on the host.
    const ends = [{ runlevel: "sysinit", beforeShellMs: 700 }, { runlevel: "boot", beforeShellMs: 150 }, { runlevel: "default", beforeShellMs: 50 }];
    const timeline = bootTimeline(OPENRC_BOOT, 3800, ends);
    expect(timeline.phases.slice(3).map((p) => [p.name, Math.round(p.ms)])).toEqual([
      ["init (to OpenRC's banner)", 200],
      ["OpenRC sysinit (to its last service started)", 400],
      ["OpenRC boot (to its last service started)", 550],
      ["OpenRC default (to its last service started)", 100],
      ["OpenRC, after its last service (to a shell prompt)", 50],
      ["the prompt that answered the test's Enter", 100],
    ]);
    expect(timeline.phases.reduce((sum, p) => sum + p.ms, 0)).toBeCloseTo(3800);
    // An end a tick after the shell's start (rounding) is put at the prompt; one well outside OpenRC's part, or out of order, keeps the one phase.
    const late = bootTimeline(OPENRC_BOOT, 3800, [{ runlevel: "sysinit", beforeShellMs: 700 }, { runlevel: "default", beforeShellMs: -20 }]);
    expect(late.phases.slice(4).map((p) => [p.name, Math.round(p.ms)])).toEqual([
      ["OpenRC sysinit (to its last service started)", 400],
      ["OpenRC default (to its last service started)", 700],
      ["OpenRC, after its last service (to a shell prompt)", 0],
      ["the prompt that answered the test's Enter", 100],
    ]);
    const whole = [["OpenRC runlevels (to a shell prompt)", 1100], ["the prompt that answered the test's Enter", 100]];
    for (const bad of [
      [{ runlevel: "sysinit", beforeShellMs: 1300 }],
      [{ runlevel: "default", beforeShellMs: -300 }],
      [{ runlevel: "sysinit", beforeShellMs: 400 }, { runlevel: "boot", beforeShellMs: 600 }],
    ]) {
      expect(bootTimeline(OPENRC_BOOT, 3800, bad).phases.slice(4).map((p) => [p.name, Math.round(p.ms)])).toEqual(whole);
    }
    expect(bootTimeline(OPENRC_BOOT, 3800, []).phases.slice(4).map((p) => p.name)).toEqual(whole.map(([name]) => name));
  });

  it("names the UEFI firmware's hand-over and a BusyBox-init boot", () => {
    const timeline = bootTimeline(
      [
        at(500, "BdsDxe: loading Boot0001 \"UEFI QEMU DVD-ROM QM00001 \" from PciRoot(0x0)"),
        at(2500, "BdsDxe: starting Boot0001 \"UEFI QEMU DVD-ROM QM00001 \" from PciRoot(0x0)"),
        at(3100, "[    0.010000] Linux version 6.12.117"),
        at(3500, "[    0.400000] Run /init as init process"),
        at(3600, "/ # "),
      ],
      3700,
    );
    expect(timeline.phases.map((p) => [p.name, Math.round(p.ms)])).toEqual([
      ["QEMU start and firmware (container, emulator, BIOS/UEFI to the boot loader)", 2500],
      ["boot loader (GRUB loads kernel and initramfs; kernel unpacks)", 590],
      ["kernel (to starting /init)", 410],
      ["init (to a shell prompt)", 100],
      ["the prompt that answered the test's Enter", 100],
    ]);
    expect(timeline.slowestSteps).toEqual([]);
    expect(timeline.openrc).toBe(false);
  });

  it("folds a phase whose marker is missing into the next one (no printk times)", () => {
    const timeline = bootTimeline([at(200, "SeaBIOS"), at(600, "Booting from DVD/CD..."), at(1500, "Linux version 6.12.117"), at(2000, "/ # ")], 2100);
    expect(timeline.phases.map((p) => [p.name, p.ms])).toEqual([
      ["QEMU start and firmware (container, emulator, BIOS/UEFI to the boot loader)", 600],
      ["boot loader (GRUB loads kernel and initramfs; kernel unpacks) + kernel (to starting /init) + init (to a shell prompt) + the prompt that answered the test's Enter", 1500],
    ]);
  });

  it("formats aligned seconds with the slowest OpenRC steps", () => {
    const lines = formatTimeline(bootTimeline(OPENRC_BOOT, 3800));
    expect(lines[0]).toMatch(/^ {2}QEMU start and firmware \(.*\) +0\.70 s$/);
    expect(lines.at(-2)).toMatch(/^ {2}time to shell +3\.80 s$/);
    expect(new Set(lines.slice(0, -1).map((l) => l.length)).size).toBe(1);
    expect(lines.at(-1)).toBe("  slowest OpenRC steps: Mounting /proc 0.80 s, Starting syslogd 0.10 s, Bringing up network interface lo 0.10 s");
  });
});
