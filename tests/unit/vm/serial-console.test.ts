// The serial console driver against a fake ash: echo, CRLF, escapes, chunked output, exit codes, timeouts.
import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { ConsoleClosedError, ConsoleTimeoutError, SerialConsole } from "../../../orchestrator/vm/serial-console.js";
import { ConsoleTextDecoder, plainText } from "../../../orchestrator/vm/console-text.js";
import { FakeShell } from "../../helpers/fake-shell.js";

function booted(options: ConstructorParameters<typeof FakeShell>[0] = {}) {
  const shell = new FakeShell({ banner: "SeaBIOS\n[    0.000000] Linux version 6.1.0-fake\n", ...options });
  const console = new SerialConsole({ output: shell.output, input: shell.input });
  return { shell, console };
}

describe("console text", () => {
  it("strips CRs, CSI/OSC/two-byte escapes and control characters", () => {
    expect(plainText("\x1bc\x1b[?7l\x1b[2Jhi\r\n~ # \x1b[6n\x1b]0;title\x07x\x1b(B\x07")).toBe("hi\n~ # x");
  });

  it("holds back an escape sequence cut by a chunk boundary", () => {
    const decoder = new ConsoleTextDecoder();
    expect(decoder.push("ab\x1b")).toBe("ab");
    expect(decoder.push("[6")).toBe("");
    expect(decoder.push("ncd")).toBe("cd");
    expect(decoder.push(Buffer.from([0xc3]))).toBe("");
    expect(decoder.push(Buffer.from([0xa9]))).toBe("é");
  });
});

describe("SerialConsole", () => {
  it("waits for boot text and consumes it", async () => {
    const { console } = booted();
    // Matching is on text as it streams in: anchor a pattern to the line end to get the whole word.
    await expect(console.waitFor(/Linux version (\S+)\n/, 1000)).resolves.toBe("Linux version 6.1.0-fake\n");
    // Consumed: the same text is not found twice.
    await expect(console.waitFor("Linux version", 100)).rejects.toBeInstanceOf(ConsoleTimeoutError);
  });

  it("finds the shell only once it answers, pressing Enter meanwhile", async () => {
    const { shell, console } = booted({ startReady: false });
    setTimeout(() => shell.start(), 200);
    await console.waitForShell(5000);
    expect(console.transcript).toMatch(/# $/);
  });

  it("asks again at once when a late line buries the first prompt, instead of waiting for the next regular Enter", async () => {
    vi.useFakeTimers();
    try {
      const output = new PassThrough();
      const input = new PassThrough();
      const console = new SerialConsole({ output, input });
      let presses = 0;
      input.on("data", (data: Buffer) => {
        presses += data.toString().split("\n").length - 1;
        if (presses === 2) output.write("\n~ # ");
      });
      let found = false;
      void console.waitForShell(5000).then(() => (found = true));
      output.write("~ # ");
      await vi.advanceTimersByTimeAsync(20);
      output.write("\nudhcpc: lease obtained\n");
      // The regular re-press would come 1.5 s after the first one; this one follows the late line's quiet time.
      await vi.advanceTimersByTimeAsync(1000);
      expect(presses).toBe(2);
      expect(found).toBe(true);
      expect(console.transcript).toMatch(/lease obtained\n\n~ # $/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("resolves to the time the answering prompt arrived, not to the end of the quiet time after it", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    try {
      const output = new PassThrough();
      const input = new PassThrough();
      const console = new SerialConsole({ output, input });
      // The shell answers each Enter 30 ms later.
      input.on("data", () => setTimeout(() => output.write("\n~ # "), 30));
      let arrivedAt: number | undefined;
      void console.waitForShell(5000).then((at) => (arrivedAt = at));
      await vi.advanceTimersByTimeAsync(1000);
      // First Enter at the first check (t+0), its prompt at t+30; confirmed after 150 ms of quiet.
      expect(arrivedAt).toBe(1_000_030);
    } finally {
      vi.useRealTimers();
    }
  });

  it("runs commands and returns output without the echo, CRs or the prompt", async () => {
    const { console } = booted({ maxChunk: 3 });
    await console.waitForShell(5000);
    expect(await console.exec("echo hello", 2000)).toEqual({ output: "hello\n", exitCode: 0 });
    expect(await console.exec("uname -r", 2000)).toEqual({ output: "6.1.0-fake\n", exitCode: 0 });
    expect(await console.exec("false", 2000)).toEqual({ output: "", exitCode: 1 });
    expect(await console.exec("cat /nope", 2000)).toEqual({
      output: "cat: can't open '/nope': No such file or directory\n",
      exitCode: 1,
    });
  });

  it("keeps output that has no trailing newline and survives byte-by-byte delivery", async () => {
    const { console } = booted({ maxChunk: 1 });
    await console.waitForShell(5000);
    expect(await console.exec("printf abc", 2000)).toEqual({ output: "abc", exitCode: 0 });
    const many = await console.exec("seq 300", 5000);
    expect(many.output.split("\n")).toHaveLength(301);
    expect(many.exitCode).toBe(0);
  });

  it("reports the exit code of `exit N` without losing the shell (subshell)", async () => {
    const { console } = booted();
    await console.waitForShell(5000);
    expect(await console.exec("echo before; exit 7", 2000)).toEqual({ output: "before\n", exitCode: 7 });
    expect(await console.exec("echo after", 2000)).toEqual({ output: "after\n", exitCode: 0 });
  });

  it("sends markers as printf formats, so the echoed command line never contains them", async () => {
    const { shell, console } = booted();
    await console.waitForShell(5000);
    await console.exec("echo x", 2000);
    const sent = shell.received.filter((line) => line.includes("printf")).join("\n");
    const tag = /LVD[0-9a-f]{12}/.exec(sent)?.[0];
    expect(tag).toBeDefined();
    expect(sent).not.toContain(`${tag}_B`);
    expect(sent).not.toContain(`${tag}_E:`);
    expect(console.transcript).toContain(`${tag}_B\n`);
    expect(console.transcript).toMatch(new RegExp(`${tag}_E:0\n`));
  });

  it("times out with the last lines, then recovers with interrupt()", async () => {
    const { console } = booted();
    await console.waitForShell(5000);
    const error = await console.exec("sleep 1", 200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsoleTimeoutError);
    expect((error as ConsoleTimeoutError).message).toBe("no the end of `sleep 1` on the serial console within 0.2 s");
    await console.interrupt(5000);
    expect(await console.exec("echo ok", 3000)).toEqual({ output: "ok\n", exitCode: 0 });
  });

  it("powers off: resolves true when the console closes, and later waits fail as closed", async () => {
    const { console } = booted();
    await console.waitForShell(5000);
    expect(await console.poweroff(2000)).toBe(true);
    expect(console.closed).toBe(true);
    expect(console.transcript).toContain("reboot: Power down");
    await expect(console.exec("echo late", 1000)).rejects.toBeInstanceOf(ConsoleClosedError);
  });

  it("poweroff returns false when the guest ignores it", async () => {
    const output = new PassThrough();
    const input = new PassThrough();
    const console = new SerialConsole({ output, input });
    expect(await console.poweroff(100)).toBe(false);
    expect(input.read()?.toString()).toBe("\x03poweroff\n");
  });

  it("rejects pending waits when aborted", async () => {
    const controller = new AbortController();
    const console = new SerialConsole({ output: new PassThrough(), input: new PassThrough() }, { signal: controller.signal });
    const waiting = console.waitFor("never", 10_000);
    controller.abort(new Error("user pressed Ctrl-C"));
    await expect(waiting).rejects.toThrow("user pressed Ctrl-C");
  });
});
