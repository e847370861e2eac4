// Each OpenRC runlevel's end, from the guest's answer to RUNLEVEL_MARKS_COMMAND, put on the host's clock.
import { describe, expect, it } from "vitest";
import type { TimedLine } from "../../../orchestrator/vm/boot-timeline.js";
import { RUNLEVEL_MARKS_COMMAND, runlevelEnds } from "../../../orchestrator/vm/openrc-runlevels.js";

const at = (atMs: number, line: string): TimedLine => ({ atMs, line });

/** The guest's answer as it reached the host at 9000 ms (guest clock 05:29:45.707204), with the tty's echo of the command before it. */
const ANSWER: TimedLine[] = [
  at(8900, `root@levitate:~# printf '%s_B\\n' LVD1; ( echo "levitate-now $EPOCHREALTIME"; for l in sysinit boot default; do for s in /etc/runlevels/$l/*; do n=\${s##*/}; [ -L "/run/openrc/started/$n" ] && echo "levitate-started $l $n $(stat -c %y "/run/openrc/started/$n")"; done; done; true`),
  at(8950, "LVD1_B"),
  at(9000, "levitate-now 1796189385.707204\r"),
  at(9010, "levitate-started sysinit devfs 2026-12-02 05:29:44.121087333 +0000"),
  at(9011, "levitate-started sysinit sysfs 2026-12-02 05:29:44.445087328 +0000"),
  at(9012, "levitate-started sysinit dmesg 2026-12-02 05:29:44.269087331 +0000"),
  at(9013, "levitate-started boot bootmisc 2026-12-02 05:29:44.897087322 +0000"),
  at(9014, "levitate-started boot loopback 2026-12-02 05:29:45.585087312 +0000"),
  at(9015, "levitate-started boot syslogd 2026-12-02 05:29:45.285087316 +0000"),
  at(9016, "levitate-started default udhcpc 2026-12-02 05:29:45.677087311 +0000"),
  at(9020, "LVD1_E:0"),
];

const rounded = (ends: ReturnType<typeof runlevelEnds>) => ends?.map(({ runlevel, atMs }) => [runlevel, Math.round(atMs)]);

describe("runlevelEnds", () => {
  it("places each runlevel's last started service on the host clock by the guest's 'now' line", () => {
    // 45.707204 - 44.445087 = 1.262 s before 9000 ms; 45.585087 -> 0.122 s before; 45.677087 -> 0.030 s before.
    expect(rounded(runlevelEnds(ANSWER))).toEqual([["sysinit", 7738], ["boot", 8878], ["default", 8970]]);
  });

  it("reads a clock with a UTC offset and leaves out runlevels that started nothing", () => {
    const lines = [at(500, "levitate-now 100.000000"), at(510, "levitate-started boot hostname 1970-01-01 02:01:39.750000000 +0200")];
    expect(rounded(runlevelEnds(lines))).toEqual([["boot", 250]]);
  });

  it("gives up without the guest's clock or without any mark", () => {
    expect(runlevelEnds(ANSWER.filter((l) => !l.line.startsWith("levitate-now")))).toBeNull();
    // A shell without $EPOCHREALTIME prints the line without a time.
    expect(runlevelEnds([at(1, "levitate-now "), ...ANSWER.slice(3)])).toBeNull();
    expect(runlevelEnds(ANSWER.slice(0, 3))).toBeNull();
  });

  it("asks the guest with one shell line of POSIX sh and BusyBox stat", () => {
    expect(RUNLEVEL_MARKS_COMMAND).not.toContain("\n");
    expect(RUNLEVEL_MARKS_COMMAND).toContain("stat -c %y");
    expect(RUNLEVEL_MARKS_COMMAND).toContain("for l in sysinit boot default;");
  });
});
