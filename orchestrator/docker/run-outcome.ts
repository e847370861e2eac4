// For callers that only care about a finished run: a cancel becomes InterruptedError, a timeout a UserError.
import { InterruptedError, UserError } from "../errors/errors.js";
import type { RunResult } from "./types.js";

/** The exit code of a run that ended by itself; `what` names it in the timeout message ("container IMAGE"). */
export function finishedExitCode(result: RunResult, what: string, timeoutMs?: number): number {
  if (result.cancelled) throw new InterruptedError(result.cancelReason ?? "abort");
  if (result.timedOut) {
    const limit = timeoutMs === undefined ? "" : ` within ${Math.round(timeoutMs / 1000)} s`;
    throw new UserError(`${what} did not finish${limit}`);
  }
  return result.exitCode ?? -1;
}
