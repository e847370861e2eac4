// A running VM (a runner container whose stdio is the guest's serial console): console, exec, logs, stop, disposal.
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import type { AttachedStreams, ContainerState, Engine } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { AttachedConsole } from "./attached-console.js";
import { acquireLease } from "../ownership/lease.js";
import { ConsoleTextDecoder, plainText } from "./console-text.js";
import { ExecPlumbingFilter } from "./exec-plumbing.js";
import type { Accelerator } from "./qemu-command.js";
import { ConsoleTimeoutError } from "./serial-console.js";
import type { ExecResult, SerialConsoleOptions } from "./serial-console.js";

export interface StopVmResult {
  /** poweroff: the guest shut down cleanly; stopped: QEMU was sent SIGTERM; killed: SIGKILL; not-running: it had already ended. */
  readonly how: "poweroff" | "stopped" | "killed" | "not-running";
}

export interface VmExecOptions {
  readonly timeoutMs: number;
  /** How long to wait for a prompt first (a VM started a moment ago may still be booting); default 60 s. */
  readonly shellTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export class StartedVm implements AsyncDisposable {
  constructor(
    private readonly engine: Engine,
    readonly name: string,
    readonly containerName: string,
    readonly accel: Accelerator,
  ) {}

  /** Docker's view of it now; null once removed. */
  state(): Promise<ContainerState | null> {
    return this.engine.containers.inspect(this.containerName);
  }

  /** The raw console streams (the user's terminal in `run`). */
  attach(): Promise<AttachedStreams> {
    return this.engine.containers.attach(this.containerName);
  }

  /** A serial console driver on a fresh attachment; close it (or `await using`) to detach. */
  async console(options: SerialConsoleOptions = {}): Promise<AttachedConsole> {
    return new AttachedConsole(await this.attach(), options);
  }

  /**
   * Waits for a prompt, runs `command`, detaches. One exec per VM at a time. Kernel messages are
   * kept off the console first (`dmesg -n 1`), so they do not mix into the output.
   */
  async exec(command: string, options: VmExecOptions): Promise<ExecResult> {
    const { image } = await this.requireRunning();
    // One console, one command: a second exec (another terminal, another host) waits for this one.
    const turn = await acquireLease(this.engine.leases(image), `${this.containerName}.exec`, {
      what: `the console of VM ${this.name}`,
      purpose: "vm exec",
      wait: true,
      onMessage: (line) => void process.stderr.write(`${line}\n`),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    try {
      const console = await this.console(options.signal === undefined ? {} : { signal: options.signal });
      try {
        await console.waitForShell(options.shellTimeoutMs ?? 60_000);
        await console.quietKernel(options.timeoutMs);
        return await console.exec(command, options.timeoutMs);
      } catch (error) {
        // The guest command may still be running (it outlasted the timeout, or this exec was
        // interrupted): Ctrl-C it, or the console stays busy and the next exec waits for a prompt in vain.
        if (error instanceof ConsoleTimeoutError || options.signal?.aborted === true) await console.sendInterrupt();
        throw error;
      } finally {
        console.close();
      }
    } finally {
      await turn.release();
    }
  }

  /**
   * The serial log (the container's output) from boot on; `plain` removes CRs and terminal escapes,
   * and shows each `vm exec` as its command typed at the prompt (without the markers around it).
   * Docker's log releases a line when its newline arrives, so a prompt waiting for input shows late.
   */
  async logs(options: { readonly follow: boolean; readonly plain?: boolean }): Promise<Readable> {
    const logs = await this.engine.containers.logs(this.containerName, { follow: options.follow });
    if (options.plain !== true) return logs;
    const decoder = new ConsoleTextDecoder();
    const execs = new ExecPlumbingFilter();
    const plain = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        done(null, execs.push(decoder.push(chunk)));
      },
      flush(done) {
        done(null, execs.push(decoder.flush()) + execs.flush());
      },
    });
    // A reader that stops early destroys this stream; the log underneath (and its socket) goes with it.
    plain.on("close", () => logs.destroy());
    return logs.pipe(plain);
  }

  /** The whole serial log from boot on as plain text, or `fallback` when it cannot be read. */
  async transcript(fallback: string): Promise<string> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await this.logs({ follow: false })) chunks.push(Buffer.from(chunk as Buffer));
      return plainText(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return fallback;
    }
  }

  /** `poweroff` in the guest, then stop, then kill QEMU if it is still up after `timeoutMs`; always removes the VM. */
  async stop(timeoutMs: number): Promise<StopVmResult> {
    let how: StopVmResult["how"] = "not-running";
    try {
      if ((await this.state())?.running === true) how = await this.shutDown(timeoutMs);
    } finally {
      await this.engine.containers.remove(this.containerName);
    }
    return { how };
  }

  /** Ends it now (SIGTERM, then SIGKILL after 2 s) and removes it: for leaving without a guest shutdown. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.engine.containers.stop(this.containerName, 2).catch(() => undefined);
    await this.engine.containers.remove(this.containerName).catch(() => undefined);
  }

  private async requireRunning(): Promise<ContainerState> {
    const state = await this.state();
    if (state === null) throw noSuchVm(this.name);
    if (!state.running) {
      throw new UserError(`VM ${this.name} is not running (QEMU exited with code ${state.exitCode}); \`levitate-docker vm logs ${this.name}\` shows why`);
    }
    return state;
  }

  /** Powers the guest off through its console, escalating to SIGTERM and SIGKILL for QEMU. */
  private async shutDown(timeoutMs: number): Promise<"poweroff" | "stopped" | "killed"> {
    let closed = false;
    try {
      const console = await this.console();
      try {
        closed = await console.poweroff(timeoutMs);
      } finally {
        console.close();
      }
    } catch {
      // Attaching can fail when the VM ends at that moment: the checks below tell.
    }
    // The console closing means QEMU ended; give Docker a moment to record the exit before escalating.
    if (await this.stopsWithin(closed ? 5_000 : 0)) return "poweroff";
    await this.engine.containers.stop(this.containerName, 5);
    if ((await this.state())?.running !== true) return "stopped";
    await this.engine.containers.kill(this.containerName);
    return "killed";
  }

  private async stopsWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if ((await this.state())?.running !== true) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export function noSuchVm(name: string): UserError {
  return new UserError(`there is no VM named ${name} (levitate-docker vm status lists them)`);
}
