// The lease: one holder at a time; a live holder is waited for (saying for whom) or refused; a dead one is broken.
import { describe, expect, it } from "vitest";
import { InterruptedError, UserError } from "../../../orchestrator/errors/errors.js";
import { LABEL_LEASE_FOR, TAKING_GRACE_MS, acquireLease, judgeHolder } from "../../../orchestrator/ownership/lease.js";
import { LABEL_OWNER } from "../../../orchestrator/ownership/owner.js";
import { MapLeases, fakeHost } from "./fake-host.js";

const here = fakeHost("h1", { [process.pid]: "b-1", 500: "b-500" });
const otherLabels = (pid: number, host = "h1", start = `b-${pid}`) => ({ [LABEL_OWNER]: `${host}/${pid}/${start}`, [LABEL_LEASE_FOR]: "build busybox" });
const base = { what: "the build tree lv-work-busybox", purpose: "build linux", wait: true, here, pollMs: 5 };

describe("leases", () => {
  it("takes a free lease and records who holds it and why", async () => {
    const leases = new MapLeases();
    const held = await acquireLease(leases, "lv-work-busybox-lock", base);
    expect(leases.leases.get("lv-work-busybox-lock")!.labels).toEqual({ [LABEL_OWNER]: `h1/${process.pid}/b-1`, [LABEL_LEASE_FOR]: "build linux" });
    await held.release();
    expect(leases.leases.size).toBe(0);
  });

  it("fails at once with --no-wait, naming the holder", async () => {
    const leases = new MapLeases();
    leases.leases.set("l", { id: "x", state: "running", createdMs: Date.UTC(2026, 0, 1, 12, 30, 5), labels: otherLabels(500) });
    const error = await acquireLease(leases, "l", { ...base, wait: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe("the build tree lv-work-busybox is in use by build busybox (pid 500 on host h1, since 12:30:05 UTC)");
  });

  it("waits for a live holder, says for whom once, and takes the lease when it is released", async () => {
    const leases = new MapLeases();
    leases.leases.set("l", { id: "x", state: "running", createdMs: 0, labels: otherLabels(500) });
    const messages: string[] = [];
    const taking = acquireLease(leases, "l", { ...base, onMessage: (m) => messages.push(m) });
    await new Promise((r) => setTimeout(r, 40));
    expect(leases.taken).toBe(0);
    leases.leases.delete("l");
    await taking;
    expect(leases.taken).toBe(1);
    expect(messages[0]).toBe("waiting for build busybox (pid 500 on host h1, since 00:00:00 UTC) to finish with the build tree lv-work-busybox (Ctrl-C to stop waiting)");
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatch(/^the build tree lv-work-busybox is free now/);
  });

  it("waits for a holder on another host (its liveness cannot be seen from here)", async () => {
    const leases = new MapLeases();
    leases.leases.set("l", { id: "x", state: "running", createdMs: 0, labels: otherLabels(500, "h2") });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(acquireLease(leases, "l", { ...base, signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(leases.broken).toEqual([]);
  });

  it("breaks the lease of a dead holder (a kill -9) by id and takes it", async () => {
    const leases = new MapLeases();
    leases.leases.set("l", { id: "dead1", state: "running", createdMs: 0, labels: otherLabels(600) });
    const messages: string[] = [];
    await acquireLease(leases, "l", { ...base, wait: false, onMessage: (m) => messages.push(m) });
    expect(leases.broken).toEqual(["dead1"]);
    expect(messages).toEqual(["the build tree lv-work-busybox was held by build busybox (pid 600 on host h1), which is gone: taking it over"]);
  });

  it("judges exited leases stale, and 'created' ones busy only while young", () => {
    const holder = { id: "x", createdMs: 1_000, labels: otherLabels(500, "h2") };
    expect(judgeHolder({ ...holder, state: "exited" }, here, 2_000).kind).toBe("stale");
    expect(judgeHolder({ ...holder, state: "created" }, here, 2_000).kind).toBe("busy");
    expect(judgeHolder({ ...holder, state: "created" }, here, 1_000 + TAKING_GRACE_MS + 1).kind).toBe("stale");
    expect(judgeHolder({ ...holder, state: "running" }, here, 10 ** 12).kind).toBe("busy");
  });
});
