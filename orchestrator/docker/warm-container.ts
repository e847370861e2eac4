// A one-shot container kept running between builds: the next build runs its command in it by `docker exec`, until it has idled long enough.
import type Docker from "dockerode";
import { createHash, randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import type { Duplex } from "node:stream";
import { cancelReasonOf } from "../errors/errors.js";
import { createContainer } from "./container-create.js";
import { cancelledBeforeStart, demux, engineLoss, feedStdin, killSwitch } from "./container-run.js";
import { labelFilter } from "./labels.js";
import { tarWriter } from "./tar-inputs.js";
import type { TarWriter } from "./tar-inputs.js";
import type { ContainerSpec, InputFile, PreparedContainer, RunOptions, RunResult, VolumeClient } from "./types.js";
import { LABEL_ROLE, LABEL_TOOL } from "./types.js";

/*
 * Creating, starting, stopping and removing a container is most of what a short stage costs: the
 * iso stage's xorriso takes about 0.2 s, the container around it about 0.3 s more on a 2-core VM
 * (`docker exec` into a running one: a few milliseconds). So a stage without volumes (the iso
 * stage) is run in a container that stays up after the build for `idleSeconds`, and the next build
 * (the edit -> ISO loop) finds it by its labels and runs the same command in it.
 *
 * A warm container is the stage's container, as hardened (no network, read-only root, no
 * capabilities, its limits, the stage's user), with a different main process: a loop that exits,
 * and so stops the container (which the engine then removes), once no run has used it for
 * idleSeconds. Each run is an exec of the stage's command behind a lock (a directory in /tmp):
 * it empties the container's tmpfs mounts first, so it starts as a new container's command would.
 * A run that finds the lock taken (another build's run, or the loop deciding to exit) exits with
 * BUSY and nothing else; the caller then runs a one-shot container instead. A cancel or a timeout
 * kills the whole container: an exec's process cannot be killed on its own.
 */

/** The role label of warm containers (`clean` removes them; the orphan reaper leaves them, as they have no owner). */
export const ROLE_WARM = "warm";
/** What decides whether a warm container can run a spec: see warmKey. */
export const LABEL_WARM_KEY = "levitate-docker.warm-key";
/** An exec that found the container busy (or about to exit) exits with this and writes nothing. */
export const EXIT_BUSY = 75;

const LOCK = "/tmp/.levitate-warm-lock";
const USED = "/tmp/.levitate-warm-used";
/** Bump when the loop or the exec wrapper changes: older warm containers are then not used. */
const PROTOCOL = "levitate-warm/1";

/**
 * The main process: every second, unless a run holds the lock, it takes the lock itself and exits
 * if the clock file (which each run rewrites as it starts and ends) has not changed for
 * idleSeconds: holding the lock, so no run can start in a container that is about to stop.
 */
export function idleCommand(idleSeconds: number): string[] {
  if (!Number.isInteger(idleSeconds) || idleSeconds < 1) throw new Error(`idleSeconds must be a whole number from 1, got ${idleSeconds}`);
  return [
    "sh",
    "-c",
    `echo started > ${USED} || exit 1; last=; idle=0; ` +
      `while sleep 1; do ` +
      `mkdir ${LOCK} 2>/dev/null || continue; ` +
      `read now < ${USED} || exit 0; ` +
      `if [ "$now" = "$last" ]; then idle=$((idle + 1)); else last=$now; idle=0; fi; ` +
      `[ "$idle" -lt ${idleSeconds} ] || exit 0; ` +
      `rmdir ${LOCK}; ` +
      `done`,
  ];
}

/**
 * An exec of `cmd` in a warm container: takes the lock (or exits BUSY), empties the tmpfs mounts
 * (keeping the lock and the clock), runs `cmd` and returns its status, releasing the lock. The clock
 * is written with the shell's echo, a builtin: processes cost milliseconds each in a container.
 */
export function execCommand(cmd: readonly string[], tmpfs: readonly string[]): string[] {
  const clear = tmpfs.length === 0 ? "" : `find ${tmpfs.join(" ")} -mindepth 1 -maxdepth 1 ! -name '.levitate-warm-*' -exec rm -rf {} + || exit 70; `;
  return [
    "sh",
    "-c",
    `mkdir ${LOCK} 2>/dev/null || exit ${EXIT_BUSY}; ` +
      `echo "start $$" > ${USED}; ` +
      `${clear}"$@"; status=$?; ` +
      `echo "end $$" > ${USED}; rmdir ${LOCK}; exit $status`,
    "sh",
    ...cmd,
  ];
}

/**
 * The spec minus what an exec sets itself (command, environment) and what names a single run
 * (name, per-run labels): equal keys mean the container is the same as the spec would create.
 */
export function warmKey(spec: ContainerSpec, idleSeconds: number): string {
  const { cmd: _cmd, env: _env, name: _name, labels, ...rest } = spec;
  const { "levitate-docker.key": _key, ...stable } = labels ?? {};
  return createHash("sha256")
    .update(JSON.stringify({ protocol: PROTOCOL, idleSeconds, spec: sortKeys({ ...rest, labels: stable }) }))
    .digest("hex")
    .slice(0, 32);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

export interface WarmOptions {
  readonly idleSeconds: number;
  /** Names the engine in what a run reports when the engine goes away under it. */
  readonly endpoint: string;
  /** A one-shot run of the spec: what a run falls back to when the warm container is busy or gone. */
  readonly runOnce: (options: RunOptions) => Promise<RunResult>;
  /**
   * Stdin files that exist already and will be the run's (same path, same host file): sent as soon
   * as the exec has started, so the container unpacks them while the build still makes the others.
   * A run whose stdinFiles do not include them all runs in a one-shot container instead.
   */
  readonly early?: readonly InputFile[];
}

/**
 * A running warm container for `spec` (found by its key, else created and started), as a prepared
 * container: its run is an exec; discarding it leaves it warm. Only for specs without volumes or
 * uploads, whose command reads its inputs from stdin (stdinOnce).
 */
export async function warmContainer(docker: Docker, runId: string, volumes: VolumeClient, spec: ContainerSpec, options: WarmOptions): Promise<PreparedContainer> {
  if ((spec.mounts ?? []).length > 0 || spec.stdinOnce !== true) throw new Error("a warm container is only for specs without volumes whose command reads its inputs from stdin");
  const key = warmKey(spec, options.idleSeconds);
  const found = await docker.listContainers({ all: false, filters: { label: labelFilter({ [LABEL_TOOL]: "1", [LABEL_ROLE]: ROLE_WARM, [LABEL_WARM_KEY]: key }) } });
  let container: Docker.Container;
  if (found[0] !== undefined) {
    container = docker.getContainer(found[0].Id);
  } else {
    const warmSpec: ContainerSpec = {
      ...spec,
      // levitate-stage-iso-1a2b3c4d (a one-shot run's name) -> levitate-iso-warm-1a2b
      name: `${(spec.name ?? "levitate").replace(/-stage-/, "-").replace(/-[0-9a-f]{8}$/, "")}-warm-${randomBytes(2).toString("hex")}`,
      cmd: idleCommand(options.idleSeconds),
      env: {},
      stdinOnce: false,
      // It outlives this command on purpose: no owner for the reaper to find dead; gone once it exits.
      detached: true,
      autoRemove: true,
      labels: { ...(spec.labels ?? {}), [LABEL_ROLE]: ROLE_WARM, [LABEL_WARM_KEY]: key },
    };
    container = await createContainer(docker, runId, volumes, warmSpec);
    try {
      await container.start();
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
  }
  // The exec starts now, while the build still makes the inputs: its process waits on its stdin.
  const early = options.early ?? [];
  const launched = launchExec(container, spec, early);
  let used = false;
  return {
    run: async (runOptions = {}) => {
      if ((runOptions.inputs ?? []).length > 0 || runOptions.collectPath !== undefined) throw new Error("a warm container takes its inputs on stdin and gives its outputs on stdout");
      used = true;
      const result = await execRun(docker, container, await launched, runOptions, options.endpoint);
      return result === "busy" ? options.runOnce(runOptions) : result;
    },
    // The container stays for the next build (its own loop ends it); an exec started for a run
    // that never came gets an empty stdin, fails at once and frees the container.
    discard: async () => {
      if (used) return;
      used = true;
      const exec = await launched;
      exec?.feed.stop();
      exec?.writer.fail(new Error("the run this exec was started for did not come"));
    },
  };
}

interface LaunchedExec {
  readonly exec: Docker.Exec;
  readonly stream: Duplex;
  /** The tar on the exec's stdin: the early files first, the run's others once it comes. */
  readonly writer: TarWriter;
  readonly feed: { readonly done: Promise<Error | null>; stop(): void };
  readonly early: readonly InputFile[];
  /** Settles once the early files are in the tar: with the error that stopped that, or null. */
  readonly earlyAdded: Promise<Error | null>;
  /** What to call once the whole tar has been sent (the run's onStdinSent). */
  readonly sent: { hook?: () => void };
}

/** The spec's command, behind the lock, started by exec; null when that failed (the container stopped or went away since it was found). */
async function launchExec(container: Docker.Container, spec: ContainerSpec, early: readonly InputFile[]): Promise<LaunchedExec | null> {
  try {
    const exec = await container.exec({
      Cmd: execCommand(spec.cmd, Object.keys(spec.tmpfs ?? {})),
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(spec.user === undefined ? {} : { User: spec.user }),
      ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
    const writer = tarWriter();
    const sent: { hook?: () => void } = {};
    const feed = feedStdin(stream, writer.stream, () => sent.hook?.());
    const earlyAdded = writer.add(early).then(
      () => null,
      (error: unknown) => error as Error,
    );
    return { exec, stream, writer, feed, early, earlyAdded, sent };
  } catch {
    return null;
  }
}

/** One run of the spec's command by its launched exec; "busy" when it did not run (the lock was taken, the container is gone). */
async function execRun(docker: Docker, container: Docker.Container, launched: LaunchedExec | null, options: RunOptions, endpoint: string): Promise<RunResult | "busy"> {
  const startedAt = Date.now();
  if (options.signal?.aborted) {
    launched?.stream.destroy();
    return cancelledBeforeStart(options.signal);
  }
  if (launched === null) return "busy";
  const { exec, stream, writer, feed } = launched;
  const files = options.stdinFiles ?? [];
  const same = (a: InputFile, b: InputFile) => a.path === b.path && a.hostPath === b.hostPath && a.data === b.data && a.mode === b.mode;
  if (!launched.early.every((sentEarly) => files.some((file) => same(sentEarly, file)))) {
    // Files it was sent are not this run's: the exec gets a cut-off archive and fails on its own.
    feed.stop();
    writer.fail(new Error("the early stdin files are not the run's"));
    return "busy";
  }
  launched.sent.hook = options.onStdinSent;
  void (async () => {
    const failed = await launched.earlyAdded;
    if (failed !== null) throw failed;
    await writer.add(files.filter((file) => !launched.early.some((sentEarly) => sentEarly.path === file.path)));
    writer.finish();
  })().catch((error: unknown) => writer.fail(error as Error));
  // A cancel or a timeout kills the whole container: an exec's process cannot be killed on its own.
  const { killed, disarm } = killSwitch(container, options);
  let received = 0;
  const stdout = options.collectStdout === undefined ? null : new PassThrough();
  const collected = stdout === null ? null : options.collectStdout!(stdout);
  collected?.catch(() => undefined);
  let exitCode: number | null = null;
  let engineLost: string | null = null;
  try {
    const ended = demux(
      stream as unknown as NodeJS.ReadWriteStream,
      (chunk, which) => {
        received += chunk.length;
        options.onOutput?.(chunk, which);
      },
      stdout,
    );
    await ended;
    feed.stop();
    const unsent = await feed.done;
    // Killed: the container is gone, and with it the exec's record.
    if (killed.for === null) exitCode = await exitCodeOf(exec);
    if (exitCode === EXIT_BUSY && received === 0 && killed.for === null) {
      stdout?.end();
      await collected?.catch(() => undefined);
      return "busy";
    }
    if (unsent !== null && killed.for === null && exitCode === 0) throw unsent;
    stdout?.end();
    if (killed.for === null && exitCode === 0) await collected;
  } catch (error) {
    if (killed.for !== null || (engineLost = await engineLoss(docker, endpoint)) === null) throw error;
  } finally {
    disarm();
    stdout?.end();
    await collected?.catch(() => undefined);
  }
  if (killed.for !== null) exitCode = 137;
  // A failure nobody here caused may be the engine's: a stopping dockerd kills every container it runs.
  else if (engineLost === null && exitCode !== 0) engineLost = await engineLoss(docker, endpoint);
  return {
    containerId: container.id,
    exitCode,
    signal: killed.for !== null ? "SIGKILL" : null,
    timedOut: killed.for === "timeout",
    cancelled: killed.for === "cancel",
    cancelReason: killed.for === "cancel" ? cancelReasonOf(options.signal) : null,
    durationMs: Date.now() - startedAt,
    ...(engineLost === null ? {} : { engineLost }),
  };
}

/** The exec's exit status once its process has ended (its stream may end a moment before the engine says so); null if the container went away. */
async function exitCodeOf(exec: Docker.Exec): Promise<number | null> {
  const deadline = Date.now() + 30_000;
  for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
    const info = (await exec.inspect().catch(() => null)) as { Running: boolean; ExitCode: number | null } | null;
    if (info === null) return null;
    if (!info.Running) return info.ExitCode;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
