// The boot-log normaliser: the same boot gives the same text, and a missing service shows.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normaliseBootLog } from "../../../orchestrator/vm/boot-log.js";

const serial = readFileSync(new URL("../../fixtures/boot/openrc-serial.txt", import.meta.url), "utf8");

describe("normaliseBootLog", () => {
  const log = normaliseBootLog(serial);

  it("keeps OpenRC's lines up to the first prompt and nothing of the kernel's", () => {
    expect(log.split("\n")[0]).toBe("OpenRC 0.54 is starting up Linux 6.1.192 (x86_64)");
    expect(log).toContain(" * Starting syslogd ... [ ok ]");
    expect(log).not.toMatch(/Linux version|BogoMIPS|rc-status/);
  });

  it("joins a status that a kernel message pushed to the next line", () => {
    expect(log).toContain(" * Mounting /run ... [ ok ]");
    expect(log).not.toContain("ImExPS");
  });

  it("is the same for the same boot with different timings and CRLFs", () => {
    const jittered = serial.replace(/\[\s*(\d+)\.(\d+)\]/g, (_m, a: string) => `[ ${Number(a) + 7}.123456]`).replace(/\r/g, "");
    expect(normaliseBootLog(jittered)).toBe(log);
  });

  it("differs when a service no longer starts", () => {
    const withoutKlogd = serial.split("\n").filter((l) => !l.includes("Starting klogd")).join("\n");
    expect(normaliseBootLog(withoutKlogd)).not.toBe(log);
  });
});
