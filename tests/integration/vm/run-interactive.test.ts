// `run --term` against the real engine: keys reach the guest, Ctrl-] leaves, poweroff ends the session, the TTY is restored.
import { PassThrough } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { LABEL_ROLE, LABEL_RUN, LABEL_TOOL } from "../../../orchestrator/docker/types.js";
import { runInteractive } from "../../../orchestrator/vm/run-interactive.js";
import type { InteractiveInput } from "../../../orchestrator/vm/run-interactive.js";
import { bootFiles, engine, runnerImage } from "./vm-fixtures.js";

const boot = bootFiles();

/** A fake TTY: records raw-mode switches. */
function terminal() {
  const stdin = new PassThrough() as PassThrough & InteractiveInput;
  const modes: boolean[] = [];
  stdin.isTTY = true;
  stdin.setRawMode = (raw: boolean) => modes.push(raw);
  const stdout = new PassThrough();
  let screen = "";
  stdout.on("data", (chunk: Buffer) => (screen += chunk.toString("utf8")));
  return { stdin, stdout, modes, screen: () => screen };
}

async function until(what: string, test: () => boolean, poke: () => void, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    poke();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

describe("runInteractive (real engine, TCG)", () => {
  let image: string;
  beforeAll(async () => {
    image = await runnerImage();
  });
  const session = (t: ReturnType<typeof terminal>) =>
    runInteractive({ engine, vm: { runnerImage: image, boot, accel: "tcg", memory: "256M", cpus: 1, uefi: false }, stdin: t.stdin, stdout: t.stdout });
  // This process's VMs only: the engine may be shared with other builds and tests that start their own.
  const vms = async () => (await engine.containers.list({ [LABEL_TOOL]: "1", [LABEL_ROLE]: "vm", [LABEL_RUN]: engine.runId })).map((c) => c.name);

  it("passes keystrokes through, quits on Ctrl-], restores the terminal and removes the VM", async () => {
    const before = await vms();
    const t = terminal();
    const running = session(t);
    await until("a prompt", () => /# \S*$/.test(t.screen().replace(/\x1b\[6n/g, "")), () => t.stdin.write("\r"));
    // Ctrl-C goes to the guest (it interrupts sleep there) instead of stopping anything here.
    t.stdin.write("sleep 300\r");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    t.stdin.write("\x03");
    t.stdin.write("echo typed-$((40 + 2))\r");
    await until("the command output", () => t.screen().includes("typed-42"), () => undefined, 60_000);
    t.stdin.write(Buffer.from([0x1d]));
    expect(await running).toEqual({ ended: "escape", exitCode: null });
    expect(t.modes).toEqual([true, false]);
    expect(await vms()).toEqual(before);
  });

  it("ends when the guest powers off", async () => {
    const t = terminal();
    const running = session(t);
    await until("a prompt", () => /# \S*$/.test(t.screen().replace(/\x1b\[6n/g, "")), () => t.stdin.write("\r"));
    t.stdin.write("poweroff\r");
    expect(await running).toEqual({ ended: "poweroff", exitCode: 0 });
    expect(t.screen()).toContain("reboot: Power down");
    expect(t.modes).toEqual([true, false]);
  });
});
