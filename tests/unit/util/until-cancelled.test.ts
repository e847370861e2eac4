// untilCancelled: a cancel ends the wait for host work at once, with the signal that arrived.
import { describe, expect, it } from "vitest";
import { InterruptedError } from "../../../orchestrator/errors/errors.js";
import { throwIfCancelled, untilCancelled } from "../../../orchestrator/util/until-cancelled.js";

describe("untilCancelled", () => {
  it("gives the work's value when nothing is cancelled, with or without a signal", async () => {
    expect(await untilCancelled(Promise.resolve(7), undefined)).toBe(7);
    expect(await untilCancelled(8, new AbortController().signal)).toBe(8);
  });

  it("rejects with the work's own error", async () => {
    await expect(untilCancelled(Promise.reject(new Error("disk")), new AbortController().signal)).rejects.toThrow("disk");
  });

  it("stops waiting when the signal is aborted while the work runs, keeping the signal's name", async () => {
    const controller = new AbortController();
    const never = new Promise<number>(() => undefined);
    const waiting = untilCancelled(never, controller.signal);
    controller.abort(new InterruptedError("SIGTERM"));
    await expect(waiting).rejects.toMatchObject({ name: "InterruptedError", signal: "SIGTERM" });
  });

  it("throws at once when already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new InterruptedError("SIGINT"));
    await expect(untilCancelled(Promise.resolve(1), controller.signal)).rejects.toThrow(InterruptedError);
    expect(() => throwIfCancelled(controller.signal)).toThrow("interrupted by SIGINT");
    expect(() => throwIfCancelled(undefined)).not.toThrow();
  });
});
