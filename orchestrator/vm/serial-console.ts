// Drives a guest's serial console (wait for text, find the shell, run commands with exit codes) over two plain streams.
import type { Readable, Writable } from "node:stream";
import { ConsoleTextDecoder } from "./console-text.js";
import { execLine, execMarkers, execTag } from "./exec-plumbing.js";

export interface ConsoleStreams {
  /** What the guest prints (the container's stdout/stderr). */
  readonly output: Readable;
  /** What the guest reads (the container's stdin). */
  readonly input: Writable;
}

export interface SerialConsoleOptions {
  /** The shell prompt, tested against the end of the plain text; default: ends with "# ". */
  readonly prompt?: RegExp;
  /** Rejects every pending wait when aborted. */
  readonly signal?: AbortSignal;
  /** Plain text as it arrives (for a verbose log). */
  readonly onText?: (text: string) => void;
}

export interface ExecResult {
  /** What the command printed (stdout and stderr), CRs and escapes removed, without the echo. */
  readonly output: string;
  readonly exitCode: number;
}

/** The console did not show what was awaited in time. */
export class ConsoleTimeoutError extends Error {
  override readonly name = "ConsoleTimeoutError";
  constructor(readonly what: string, readonly timeoutMs: number, readonly lastLines: readonly string[]) {
    super(`no ${what} on the serial console within ${formatSeconds(timeoutMs)}`);
  }
}

/** The console ended (the VM stopped) while something was awaited. */
export class ConsoleClosedError extends Error {
  override readonly name = "ConsoleClosedError";
  constructor(readonly what: string, readonly lastLines: readonly string[]) {
    super(`the serial console closed (the VM stopped) while waiting for ${what}`);
  }
}

interface Waiter {
  readonly check: () => boolean;
  readonly fail: (error: Error) => void;
}

const QUIET_MS = 150;
const ENTER_EVERY_MS = 1_500;

export class SerialConsole {
  private readonly decoder = new ConsoleTextDecoder();
  private readonly waiters = new Set<Waiter>();
  private readonly prompt: RegExp;
  private text = "";
  private cursor = 0;
  private lastDataAt = Date.now();
  /** Number of non-empty chunks received: tells output that came after a key press from older output. */
  private chunks = 0;
  private ended = false;
  private readonly onData = (chunk: Buffer | string) => this.receive(this.decoder.push(chunk));
  private readonly onEnd = () => this.finish();
  private readonly onAbort = () => this.failAll(abortReason(this.options.signal));

  constructor(private readonly streams: ConsoleStreams, private readonly options: SerialConsoleOptions = {}) {
    this.prompt = options.prompt ?? /# $/;
    streams.output.on("data", this.onData);
    streams.output.on("end", this.onEnd);
    streams.output.on("close", this.onEnd);
    streams.output.on("error", this.onEnd);
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Everything the guest printed since this console was attached, as plain text. */
  get transcript(): string {
    return this.text;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** The last `count` non-empty lines of the transcript (for error messages). */
  lastLines(count = 15): string[] {
    return this.text.split("\n").filter((l) => l.trim() !== "").slice(-count);
  }

  write(text: string): void {
    if (!this.ended) this.streams.input.write(text);
  }

  /** Waits for `pattern` in output not yet consumed; consumes up to the end of the match. */
  waitFor(pattern: RegExp | string, timeoutMs: number): Promise<string> {
    let found = "";
    return this.until(`${String(pattern)}`, timeoutMs, () => {
      const rest = this.text.slice(this.cursor);
      const match = typeof pattern === "string" ? indexMatch(rest, pattern) : pattern.exec(rest);
      if (match === null) return false;
      found = match[0];
      this.cursor += match.index + match[0].length;
      return true;
    }).then(() => found);
  }

  /**
   * Presses Enter until a fresh prompt is the last thing printed (and stays so briefly).
   * Resolves to the host time (Date.now()) at which that prompt arrived: the shell had answered
   * then; the quiet time after it only confirms that nothing followed.
   */
  async waitForShell(timeoutMs: number): Promise<number> {
    let pressedAt = 0;
    let chunksAtPress = -1;
    let promptSincePress = false;
    let promptAt = 0;
    await this.until("shell prompt", timeoutMs, () => {
      const now = Date.now();
      const quiet = now - this.lastDataAt >= QUIET_MS;
      const atPrompt = this.prompt.test(this.text);
      const freshOutput = chunksAtPress >= 0 && this.chunks > chunksAtPress;
      // A prompt printed after our Enter (not an old one), with nothing after it for a moment.
      if (freshOutput && quiet && atPrompt) {
        this.cursor = this.text.length;
        promptAt = this.lastDataAt;
        return true;
      }
      if (freshOutput && atPrompt) promptSincePress = true;
      // A prompt came, then a late kernel or daemon line buried it: the shell is up, so ask it
      // for a fresh prompt as soon as that output ends, not at the next regular press.
      if (now - pressedAt >= ENTER_EVERY_MS || (promptSincePress && quiet && !atPrompt)) {
        pressedAt = now;
        chunksAtPress = this.chunks;
        promptSincePress = false;
        this.write("\n");
      }
      return false;
    }, 50);
    return promptAt;
  }

  /** Runs `command` in a subshell with stdin from /dev/null (the line execLine types). */
  async exec(command: string, timeoutMs: number): Promise<ExecResult> {
    const tag = execTag();
    const { begin, end } = execMarkers(tag);
    this.cursor = this.text.length;
    this.write(execLine(tag, command));
    let result: ExecResult | null = null;
    await this.until(`the end of \`${command}\``, timeoutMs, () => {
      const rest = this.text.slice(this.cursor);
      const start = rest.indexOf(begin);
      if (start < 0) return false;
      const tail = rest.slice(start + begin.length);
      const match = end.exec(tail);
      if (match === null) return false;
      // The end marker starts on a line of its own: drop the newline printed before it.
      const output = tail.slice(0, match.index).replace(/\n$/, "");
      result = { output, exitCode: Number(match[1]) };
      this.cursor += start + begin.length + match.index + match[0].length;
      return true;
    });
    return result!;
  }

  /**
   * Keeps kernel messages (e.g. "EXT4-fs (vda): mounted ...") off the console so they do not mix
   * into command output: `dmesg -n 1` leaves only emergencies there; `dmesg` in the guest still has all.
   */
  async quietKernel(timeoutMs: number): Promise<void> {
    await this.exec("dmesg -n 1 2>/dev/null", timeoutMs);
  }

  /** Interrupts whatever runs in the foreground (Ctrl-C) and waits for the prompt again. */
  async interrupt(timeoutMs: number): Promise<void> {
    this.write("\x03");
    await this.waitForShell(timeoutMs);
  }

  /**
   * Sends Ctrl-C to whatever runs in the foreground and resolves once the byte has left for the VM
   * (or after `flushMs`): for a caller about to detach, which cannot wait for a prompt (its signal
   * may have fired already).
   */
  sendInterrupt(flushMs = 1000): Promise<void> {
    return new Promise((resolve) => {
      if (this.ended) return resolve();
      const timer = setTimeout(resolve, flushMs);
      this.streams.input.write("\x03", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Asks the guest to power off; true when the console closed (QEMU exited) within the timeout. */
  async poweroff(timeoutMs: number): Promise<boolean> {
    if (this.ended) return true;
    this.write("\x03");
    this.write("poweroff\n");
    try {
      await this.until("power-off", timeoutMs, () => false);
      return true;
    } catch (error) {
      if (error instanceof ConsoleClosedError) return true;
      if (error instanceof ConsoleTimeoutError) return false;
      throw error;
    }
  }

  /** Stops listening; the streams themselves belong to the caller. */
  dispose(): void {
    this.streams.output.off("data", this.onData);
    this.streams.output.off("end", this.onEnd);
    this.streams.output.off("close", this.onEnd);
    this.streams.output.off("error", this.onEnd);
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.failAll(new Error("the serial console was disposed"));
  }

  private receive(text: string): void {
    if (text === "") return;
    this.text += text;
    this.chunks += 1;
    this.lastDataAt = Date.now();
    this.options.onText?.(text);
    for (const waiter of [...this.waiters]) waiter.check();
  }

  private finish(): void {
    if (this.ended) return;
    this.receive(this.decoder.flush());
    this.ended = true;
    for (const waiter of [...this.waiters]) {
      if (!waiter.check()) waiter.fail(new ConsoleClosedError("", this.lastLines()));
    }
  }

  private failAll(error: Error): void {
    for (const waiter of [...this.waiters]) waiter.fail(error);
  }

  /** Resolves when `test` holds (checked on every chunk, and every `pollMs` if given). */
  private until(what: string, timeoutMs: number, test: () => boolean, pollMs?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.options.signal?.aborted) return reject(abortReason(this.options.signal));
      let settled = false;
      const cleanup = () => {
        settled = true;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        if (poll !== undefined) clearInterval(poll);
      };
      const waiter: Waiter = {
        check: () => {
          if (settled) return true;
          if (!test()) return false;
          cleanup();
          resolve();
          return true;
        },
        fail: (error) => {
          if (settled) return;
          cleanup();
          reject(error instanceof ConsoleClosedError ? new ConsoleClosedError(what, error.lastLines) : error);
        },
      };
      const timer = setTimeout(() => waiter.fail(new ConsoleTimeoutError(what, timeoutMs, this.lastLines())), timeoutMs);
      const poll = pollMs === undefined ? undefined : setInterval(() => waiter.check(), pollMs);
      this.waiters.add(waiter);
      if (waiter.check()) return;
      if (this.ended) waiter.fail(new ConsoleClosedError(what, this.lastLines()));
    });
  }
}

function indexMatch(text: string, needle: string): { index: number; 0: string } | null {
  const index = text.indexOf(needle);
  return index < 0 ? null : { index, 0: needle };
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error("aborted");
}

export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
