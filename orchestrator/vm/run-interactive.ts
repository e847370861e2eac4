// `run --term`: the user's terminal becomes the guest's serial console; Ctrl-] quits, and the terminal is always restored.
import { randomBytes } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import type { AttachedStreams, Engine } from "../docker/types.js";
import { startVm } from "./vm.js";
import type { VmSpec } from "./vm-spec.js";

/** Ctrl-] (GS, 0x1d), as in telnet and `virsh console`. */
export const ESCAPE_KEY = 0x1d;
export const ESCAPE_KEY_NAME = "Ctrl-]";

export type InteractiveInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export interface RunInteractiveOptions {
  readonly engine: Engine;
  /** The VM; its name defaults to run-<random>. It is removed when the session ends. */
  readonly vm: Omit<VmSpec, "name" | "role"> & { readonly name?: string };
  readonly stdin: InteractiveInput;
  readonly stdout: Writable;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface InteractiveResult {
  /** poweroff: the guest ended QEMU; escape: the user pressed Ctrl-]; signal: SIGINT/SIGTERM/SIGHUP; aborted: the signal option. */
  readonly ended: "poweroff" | "escape" | "signal" | "aborted";
  /** QEMU's exit code when it ended by itself. */
  readonly exitCode: number | null;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export async function runInteractive(options: RunInteractiveOptions): Promise<InteractiveResult> {
  const { engine, stdin, stdout } = options;
  const log = options.log ?? (() => undefined);
  await using vm = await startVm(engine, { ...options.vm, name: options.vm.name ?? `run-${randomBytes(3).toString("hex")}` });
  const raw = stdin.isTTY === true && typeof stdin.setRawMode === "function";
  const restore = () => {
    if (raw) stdin.setRawMode?.(false);
  };
  let attached: AttachedStreams | undefined;
  const cleanups: (() => void)[] = [];
  let ended: InteractiveResult["ended"] = "poweroff";
  try {
    // Attach output, not the log stream: Docker's logs hold back a line until its newline (prompts would not show).
    attached = await vm.attach();
    log(`VM ${vm.name} (${vm.accel}) is booting; ${ESCAPE_KEY_NAME} quits and stops it`);
    const input = attached.stdin;
    const output = attached.output;
    ended = await new Promise<InteractiveResult["ended"]>((resolve) => {
      const on = <T extends unknown[]>(target: { on(e: string, f: (...a: T) => void): unknown; off(e: string, f: (...a: T) => void): unknown }, event: string, fn: (...a: T) => void) => {
        target.on(event, fn);
        cleanups.push(() => target.off(event, fn));
      };
      on(output, "data", (chunk: Buffer) => stdout.write(chunk));
      on(output, "end", () => resolve("poweroff"));
      on(stdin, "data", (chunk: Buffer | string) => {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        const at = bytes.indexOf(ESCAPE_KEY);
        if (at < 0) return void input.write(bytes);
        if (at > 0) input.write(bytes.subarray(0, at));
        resolve("escape");
      });
      for (const name of SIGNALS) on(process, name, () => resolve("signal"));
      // Restore the terminal even if the process exits without reaching `finally`.
      on(process, "exit", restore);
      const onAbort = () => resolve("aborted");
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      cleanups.push(() => options.signal?.removeEventListener("abort", onAbort));
      if (raw) stdin.setRawMode?.(true);
      stdin.resume();
    });
  } finally {
    for (const cleanup of cleanups.splice(0)) cleanup();
    restore();
    stdin.pause();
    attached?.close();
  }
  const state = await vm.state();
  const exitCode = state !== null && !state.running ? state.exitCode : null;
  // Leaving the block disposes the VM: QEMU is stopped right away (SIGTERM, then SIGKILL) rather than awaiting a guest shutdown.
  if (ended !== "poweroff") log(`VM ${vm.name} stopped (${ended})`);
  return { ended, exitCode };
}
