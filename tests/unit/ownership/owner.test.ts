// Owners: label round trip, /proc start ticks, and liveness that sees through reused pids and other hosts.
import { describe, expect, it } from "vitest";
import { currentOwner, formatOwner, liveness, parseOwner, startTicksFromStat, thisHost } from "../../../orchestrator/ownership/owner.js";
import { fakeHost } from "./fake-host.js";

describe("owners", () => {
  it("round-trips through the label and rejects foreign values", () => {
    const owner = { host: "build-1", pid: 4242, start: "7a937217-821969" };
    expect(parseOwner(formatOwner(owner))).toEqual(owner);
    expect(parseOwner("build-1/4242/")).toEqual({ host: "build-1", pid: 4242, start: "" });
    expect(parseOwner("garbage")).toBeNull();
    expect(parseOwner(undefined)).toBeNull();
  });

  it("reads field 22 of /proc/<pid>/stat even when the name holds spaces and parentheses", () => {
    const stat = "17106 (we ird) (name)) R 17101 17101 32130 0 -1 4194304 123 0 0 0 0 0 0 0 20 0 1 0 821969 3133440 410";
    expect(startTicksFromStat(stat)).toBe("821969");
    expect(startTicksFromStat("1 (x) R 0")).toBeNull();
  });

  it("is alive with the same start, dead when gone or when the pid was reused, unknown on another host", () => {
    const here = fakeHost("h1", { 10: "b-100", 11: "b-999" });
    expect(liveness({ host: "h1", pid: 10, start: "b-100" }, here)).toBe("alive");
    expect(liveness({ host: "h1", pid: 12, start: "b-100" }, here)).toBe("dead");
    expect(liveness({ host: "h1", pid: 11, start: "b-111" }, here)).toBe("dead");
    expect(liveness({ host: "h2", pid: 10, start: "b-100" }, here)).toBe("unknown");
    // No start stamp recorded (a host without /proc): pid liveness decides.
    expect(liveness({ host: "h1", pid: 11, start: "" }, here)).toBe("alive");
  });

  it("sees this process as alive on this host", () => {
    const me = currentOwner();
    expect(liveness(me, thisHost)).toBe("alive");
    if (process.platform === "linux") expect(me.start).toMatch(/^[0-9a-f]{8}-\d+$/);
  });
});
