// Chooses KVM or TCG per Docker engine: KVM only when /dev/kvm opens and a Linux guest actually prints under it.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { LABEL_ROLE } from "../docker/types.js";
import type { Engine } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { finishedExitCode } from "../docker/run-outcome.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { BootEventHandler } from "./boot-events.js";
import { canaryBoot } from "./kvm-canary.js";
import type { Accelerator } from "./qemu-command.js";
import { formatSeconds } from "./serial-console.js";
import { ROLE_VM_TOOL } from "./vm-paths.js";

export type RequestedAccelerator = "auto" | Accelerator;

export interface ChooseAcceleratorOptions {
  readonly engine: Engine;
  readonly requested: RequestedAccelerator;
  readonly runnerImage: string;
  /** Host path of a bzImage for the canary boot; without one, a KVM that opens is trusted but not cached. */
  readonly canaryKernel?: string;
  /** Host cache root; the verdict is kept in `<cacheRoot>/accel.json` per engine id. */
  readonly cacheRoot: string;
  /** Ignore the cached verdict and test again (doctor). */
  readonly recheck?: boolean;
  /** How long the canary waits for the kernel's first line; default 15 s. */
  readonly canaryDeadlineMs?: number;
  readonly onEvent?: BootEventHandler;
  readonly signal?: AbortSignal;
}

export interface AcceleratorChoice {
  readonly accel: Accelerator;
  readonly reason: string;
  /** Whether the verdict came from accel.json rather than a test just now. */
  readonly cached: boolean;
}

interface CacheEntry {
  readonly accel: Accelerator;
  readonly reason: string;
  readonly checkedAt: string;
  readonly engine: string;
}

/** Multiply timeouts written for a KVM guest by this under TCG (emulation is several times slower). */
export function timeoutScale(accel: Accelerator): number {
  return accel === "kvm" ? 1 : 4;
}

export async function chooseAccelerator(options: ChooseAcceleratorOptions): Promise<AcceleratorChoice> {
  const emit = options.onEvent ?? (() => undefined);
  if (options.requested === "tcg") return { accel: "tcg", reason: "TCG was requested (--accel tcg)", cached: false };
  const info = await options.engine.info();
  const cacheFile = join(options.cacheRoot, "accel.json");
  const cache = await readCache(cacheFile);
  const cachedEntry = options.recheck === true ? undefined : cache[info.id];
  let choice: AcceleratorChoice;
  if (cachedEntry !== undefined) {
    choice = { accel: cachedEntry.accel, reason: cachedEntry.reason, cached: true };
  } else {
    emit({ type: "kvm-check", host: info.name });
    const verdict = await testKvm(options, info.name);
    choice = { accel: verdict.accel, reason: verdict.reason, cached: false };
    if (verdict.definitive) {
      cache[info.id] = { accel: verdict.accel, reason: verdict.reason, checkedAt: new Date().toISOString(), engine: info.name };
      await writeFileAtomic(cacheFile, `${JSON.stringify(cache, null, 2)}\n`);
    }
  }
  if (options.requested === "kvm" && choice.accel !== "kvm") {
    // The reason was written for --accel auto, which falls back; here nothing does.
    throw new UserError(`--accel kvm was requested, but KVM does not work here: ${choice.reason.replace(/: falling back to TCG$/, "")}`, {
      details: [
        "use --accel auto (falls back to TCG) or --accel tcg",
        ...(choice.cached ? [`this verdict was cached in ${cacheFile}; \`levitate-docker doctor\` tests again`] : []),
      ],
    });
  }
  emit({ type: "accelerator", accel: choice.accel, reason: choice.reason, cached: choice.cached });
  return choice;
}

async function testKvm(
  options: ChooseAcceleratorOptions,
  engineName: string,
): Promise<{ accel: Accelerator; reason: string; definitive: boolean }> {
  let opened = "";
  let exitCode: number;
  try {
    const result = await options.engine.containers.run(
      {
        image: options.runnerImage,
        cmd: ["sh", "-c", "exec 3<>/dev/kvm && echo kvm-opened"],
        network: "none",
        devices: ["/dev/kvm"],
        labels: { [LABEL_ROLE]: ROLE_VM_TOOL },
      },
      { onOutput: (chunk) => (opened += chunk.toString("utf8")), timeoutMs: 60_000, ...signalOf(options) },
    );
    exitCode = finishedExitCode(result, `container ${options.runnerImage}`, 60_000);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Docker refuses a container whose device is missing on its host (Docker Desktop on macOS has no /dev/kvm).
    if (/\/dev\/kvm|device/i.test(message)) {
      return { accel: "tcg", reason: `no usable /dev/kvm on the Docker host ${engineName} (${lastLine(message)}): using TCG`, definitive: true };
    }
    throw error;
  }
  if (exitCode !== 0 || !opened.includes("kvm-opened")) {
    return {
      accel: "tcg",
      reason: `/dev/kvm exists but cannot be opened (${lastLine(opened) || `exit code ${exitCode}`}): using TCG`,
      definitive: true,
    };
  }
  if (options.canaryKernel === undefined) {
    return { accel: "kvm", reason: "/dev/kvm opens (no kernel yet for a test boot, so this is not cached)", definitive: false };
  }
  const deadlineMs = options.canaryDeadlineMs ?? 15_000;
  const canary = await canaryBoot({
    engine: options.engine,
    runnerImage: options.runnerImage,
    kernel: options.canaryKernel,
    accel: "kvm",
    deadlineMs,
    ...signalOf(options),
  });
  if (canary.printed) {
    return { accel: "kvm", reason: `a Linux guest printed its first line under KVM after ${formatSeconds(canary.elapsedMs)}`, definitive: true };
  }
  const why =
    canary.exitCode !== null
      ? `QEMU exited with code ${canary.exitCode} under KVM before the kernel printed anything (${lastLine(canary.output) || "no output"})`
      : `a Linux guest printed nothing in ${formatSeconds(deadlineMs)} under KVM`;
  return { accel: "tcg", reason: `/dev/kvm present but ${why}: falling back to TCG`, definitive: true };
}

async function readCache(file: string): Promise<Record<string, CacheEntry>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return {};
    const entries: Record<string, CacheEntry> = {};
    for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
      const entry = value as Partial<CacheEntry> | null;
      if (entry !== null && (entry.accel === "kvm" || entry.accel === "tcg") && typeof entry.reason === "string") {
        entries[id] = { accel: entry.accel, reason: entry.reason, checkedAt: String(entry.checkedAt ?? ""), engine: String(entry.engine ?? "") };
      }
    }
    return entries;
  } catch {
    // A damaged cache is only a lost verdict: test again.
    return {};
  }
}

function lastLine(text: string): string {
  const line = text.split("\n").map((l) => l.trim()).filter((l) => l !== "").at(-1) ?? "";
  return line.replace(/^.*server error - /, "");
}

function signalOf(options: { readonly signal?: AbortSignal }): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}
