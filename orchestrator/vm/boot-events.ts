// Typed progress of choosing an accelerator, booting and checking a VM: callers decide what to show, nobody scrapes text.
import type { CheckResult } from "./boot-checks.js";
import type { Accelerator } from "./qemu-command.js";
import { formatSeconds } from "./serial-console.js";

export type BootEvent =
  | { readonly type: "kvm-check"; readonly host: string }
  | { readonly type: "accelerator"; readonly accel: Accelerator; readonly reason: string; readonly cached: boolean }
  | { readonly type: "booting"; readonly vm: string; readonly what: string }
  | { readonly type: "shell"; readonly afterMs: number }
  | { readonly type: "kernel-release"; readonly release: string }
  | { readonly type: "check"; readonly result: CheckResult }
  | { readonly type: "poweroff"; readonly clean: boolean; readonly timeoutMs: number }
  | { readonly type: "note"; readonly text: string };

export type BootEventHandler = (event: BootEvent) => void;

/** One line per event, as the CLI prints it. */
export function describeBootEvent(event: BootEvent): string {
  switch (event.type) {
    case "kvm-check":
      return `checking whether KVM works on the Docker host ${event.host}`;
    case "accelerator":
      return `accelerator: ${event.accel} (${event.reason}${event.cached ? "; cached" : ""})`;
    case "booting":
      return `booting ${event.what} in ${event.vm}`;
    case "shell":
      return `shell in ${formatSeconds(event.afterMs)}`;
    case "kernel-release":
      return `uname -r: ${event.release}`;
    case "check":
      return event.result.passed
        ? `pass ${event.result.name} (${formatSeconds(event.result.durationMs)})`
        : `FAIL ${event.result.name}: ${event.result.failures.join("; ")}`;
    case "poweroff":
      return event.clean ? "powered off" : `poweroff did not end QEMU within ${formatSeconds(event.timeoutMs)}; killing the VM`;
    case "note":
      return event.text;
  }
}
