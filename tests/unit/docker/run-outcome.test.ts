// A run's result says how it ended; callers that want a finished run turn cancels and timeouts into the right errors.
import { describe, expect, it } from "vitest";
import { finishedExitCode } from "../../../orchestrator/docker/run-outcome.js";
import { InterruptedError, UserError, cancelReasonOf, interruptedBy } from "../../../orchestrator/errors/errors.js";
import { runResult } from "../../helpers/fake-engine.js";

describe("cancel reasons", () => {
  it("keep the signal that really arrived", () => {
    const term = new AbortController();
    term.abort(new InterruptedError("SIGTERM"));
    expect(cancelReasonOf(term.signal)).toBe("SIGTERM");
    expect(interruptedBy(term.signal).signal).toBe("SIGTERM");
    const plain = new AbortController();
    plain.abort();
    expect(cancelReasonOf(plain.signal)).toBe("abort");
    const named = new AbortController();
    named.abort("SIGINT");
    expect(interruptedBy(named.signal)).toEqual(new InterruptedError("SIGINT"));
  });
});

describe("finishedExitCode", () => {
  it("returns the exit code of a run that ended by itself", () => {
    expect(finishedExitCode(runResult(3), "container x")).toBe(3);
  });

  it("turns a cancel into an InterruptedError with its reason", () => {
    const error = (() => {
      try {
        finishedExitCode(runResult(null, { cancelled: true, cancelReason: "SIGTERM" }), "container x");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).signal).toBe("SIGTERM");
  });

  it("turns a timeout into a UserError that says how long it waited", () => {
    expect(() => finishedExitCode(runResult(137, { timedOut: true }), "container runner", 60_000)).toThrow(
      new UserError("container runner did not finish within 60 s"),
    );
  });
});
