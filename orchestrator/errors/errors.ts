// The three kinds of failure the CLI knows how to report, each keeping its cause.

/** Something the user can fix: bad config, missing file, engine not running. Exit 1, message only. */
export class UserError extends Error {
  override readonly name = "UserError";
  /** Extra lines printed under the message (hints, lists of problems). */
  readonly details: readonly string[];
  constructor(message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details ?? [];
  }
}

/** A stage's container exited non-zero (or could not run). */
export class StageError extends Error {
  override readonly name = "StageError";
  constructor(
    readonly stage: string,
    readonly exitCode: number | null,
    readonly lastLines: readonly string[],
    readonly logPath: string | null,
    options: { cause?: unknown; reason?: string } = {},
  ) {
    super(
      options.reason ??
        `stage ${stage} failed${exitCode === null ? "" : ` with exit code ${exitCode}`}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
  }
}

/** Raised when the user interrupts (Ctrl-C / SIGTERM); cleanup has already run. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
  constructor(readonly signal: CancelReason) {
    super(`interrupted by ${signal}`);
  }
}

/** Anything else is a bug: the CLI prints the stack. */
export function isKnownError(error: unknown): error is UserError | StageError | InterruptedError {
  return error instanceof UserError || error instanceof StageError || error instanceof InterruptedError;
}

/** Why a run was cancelled: the signal the user sent, or a programmatic abort. */
export type CancelReason = "SIGINT" | "SIGTERM" | "abort";

/** Reads the reason an AbortSignal was aborted with: an InterruptedError or a signal name keep their signal. */
export function cancelReasonOf(signal: AbortSignal | undefined): CancelReason {
  const reason: unknown = signal?.reason;
  const name = reason instanceof InterruptedError ? reason.signal : reason;
  return name === "SIGINT" || name === "SIGTERM" ? name : "abort";
}

/** The InterruptedError for an aborted signal, carrying the signal that really arrived. */
export function interruptedBy(signal: AbortSignal | undefined): InterruptedError {
  return signal?.reason instanceof InterruptedError ? signal.reason : new InterruptedError(cancelReasonOf(signal));
}
