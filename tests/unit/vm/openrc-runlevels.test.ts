// Each OpenRC runlevel's end, from the guest's answer to RUNLEVEL_MARKS_COMMAND, as a time before the console shell's start.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { TimedLine } from "../../../orchestrator/vm/boot-timeline.js";
import { RUNLEVEL_MARKS_COMMAND, runlevelEnds } from "../../../orchestrator/vm/openrc-runlevels.js";

const at = (atMs: number, line: string): TimedLine => ({ atMs, line });

/**
 * The guest's answer, with the tty's echo of the command before it: wall clock 05:29:45.707204,
 * boot clock 12.34 s, the shell started at tick 1232 (12.32 s), so at 05:29:45.687204.
 */
const ANSWER: TimedLine[] = [
  at(8900, `root@levitate:~# printf '%s_B\\n' LVD1; ( ${RUNLEVEL_MARKS_COMMAND}`),
  at(8950, "LVD1_B"),
  at(9000, "levitate-shell 1796189385.707204 12.34 1232\r"),
  at(9010, "levitate-started sysinit devfs 2026-12-02 05:29:44.121087333 +0000"),
  at(9011, "levitate-started sysinit sysfs 2026-12-02 05:29:44.445087328 +0000"),
  at(9012, "levitate-started sysinit dmesg 2026-12-02 05:29:44.269087331 +0000"),
  at(9013, "levitate-started boot bootmisc 2026-12-02 05:29:44.897087322 +0000"),
  at(9014, "levitate-started boot loopback 2026-12-02 05:29:45.585087312 +0000"),
  at(9015, "levitate-started boot syslogd 2026-12-02 05:29:45.285087316 +0000"),
  at(9016, "levitate-started default udhcpc 2026-12-02 05:29:45.677087311 +0000"),
  at(9020, "LVD1_E:0"),
];

const rounded = (ends: ReturnType<typeof runlevelEnds>) => ends?.map(({ runlevel, beforeShellMs }) => [runlevel, Math.round(beforeShellMs)]);

describe("runlevelEnds", () => {
  it("times each runlevel's last started service before the console shell's start, on the guest's clocks", () => {
    // 45.687204 - 44.445087 = 1.242 s; 45.585087 -> 0.102 s; 45.677087 -> 0.010 s.
    expect(rounded(runlevelEnds(ANSWER))).toEqual([["sysinit", 1242], ["boot", 102], ["default", 10]]);
    // When the answer reaches the host does not matter: only the guest's clocks are used.
    expect(runlevelEnds(ANSWER.map((l) => ({ ...l, atMs: l.atMs + 700 })))).toEqual(runlevelEnds(ANSWER));
  });

  it("reads a clock with a UTC offset and leaves out runlevels that started nothing", () => {
    // The shell started at 150 ticks = 1.5 s of a boot clock at 2.0 s: 99.5 s on the wall clock.
    const lines = [at(500, "levitate-shell 100.000000 2.00 150"), at(510, "levitate-started boot hostname 1970-01-01 02:01:39.250000000 +0200")];
    expect(rounded(runlevelEnds(lines))).toEqual([["boot", 250]]);
  });

  it("gives up without the guest's clocks or without any mark", () => {
    expect(runlevelEnds(ANSWER.filter((l) => !l.line.startsWith("levitate-shell")))).toBeNull();
    // A shell without $EPOCHREALTIME prints the line without a wall-clock time.
    expect(runlevelEnds([at(1, "levitate-shell  12.34 1232"), ...ANSWER.slice(3)])).toBeNull();
    expect(runlevelEnds(ANSWER.slice(0, 3))).toBeNull();
  });

  it("asks the guest with one shell line of POSIX sh and BusyBox stat", () => {
    expect(RUNLEVEL_MARKS_COMMAND).not.toContain("\n");
    expect(RUNLEVEL_MARKS_COMMAND).toContain("stat -c %y");
    expect(RUNLEVEL_MARKS_COMMAND).toContain("for l in sysinit boot default;");
  });

  it("reads the shell's start from /proc the way the guest does (this host's /proc, bash for $EPOCHREALTIME)", () => {
    // The first statement of the command, run by a real shell: its $$ is that shell, its 22nd stat field its start.
    const first = RUNLEVEL_MARKS_COMMAND.slice(0, RUNLEVEL_MARKS_COMMAND.indexOf("for l in"));
    const printed = execFileSync("bash", ["-c", `${first} cut -d " " -f 22 /proc/$$/stat`], { encoding: "utf8" });
    const [shell, startTicks] = printed.trim().split("\n");
    expect(shell).toMatch(new RegExp(`^levitate-shell \\d+\\.\\d+ \\d+\\.\\d+ ${startTicks}$`));
    expect(runlevelEnds([at(0, shell!), at(1, "levitate-started boot hostname 2026-12-02 05:29:44.121087333 +0000")])).not.toBeNull();
  });
});
