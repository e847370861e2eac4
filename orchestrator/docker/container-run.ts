// One container run from create to removal, reported as a RunResult (exit code, signal, timed out, cancelled, duration).
import type Docker from "dockerode";
import { createConnection } from "node:net";
import type { NetConnectOpts } from "node:net";
import { constants } from "node:os";
import { PassThrough } from "node:stream";
import type { Duplex, Readable } from "node:stream";
import { cancelReasonOf } from "../errors/errors.js";
import type { ContainerSpec, InputFile, RunOptions, RunResult } from "./types.js";
import { uploadInputs } from "./container-create.js";
import { demuxStream } from "./demux.js";
import { packInputs } from "./tar-inputs.js";
import { giveVolumesTo } from "./volume-owner.js";

/**
 * Runs a created container to its end and always removes it; kills (timeout, cancel) are results, not errors.
 * So is the engine going away under the run (stopped, restarted, crashed): `engineLost` says so.
 */
export async function runToEnd(
  docker: Docker,
  runId: string,
  spec: ContainerSpec,
  container: Docker.Container,
  options: RunOptions & { readonly endpoint: string },
  startedAt: number,
  /** The volumes were handed over already (a prepared container): its helper's removal. */
  handedOver?: Promise<void>,
  /** Attached and started already (a prepared container whose command waits for its stdin). */
  launched?: Launched,
): Promise<RunResult> {
  const { killed, disarm } = killSwitch(container, options);
  let exitCode: number | null = null;
  let helperRemoved: Promise<void> = Promise.resolve();
  let engineLost: string | null = null;
  let collected: Promise<void> | null = null;
  let stdout: PassThrough | null = null;
  try {
    // Inputs first, then the volumes change hands: an upload can create directories in a volume
    // (a new source's /sources/<sha256>/), which the stage's user must own to rename the upload.
    // A prepared container's volumes changed hands already (it mounts no volume an upload adds to).
    if (handedOver !== undefined) helperRemoved = handedOver;
    await uploadInputs(container, options.inputs, spec);
    if (handedOver === undefined) helperRemoved = (await giveVolumesTo(docker, runId, spec, container)).removed;
    // A launched command reads its stdin whatever the run sends: at least an empty tar ends it.
    const stdinFiles = options.stdinFiles ?? (launched === undefined ? undefined : []);
    const stream = launched?.stream ?? (await container.attach({ stream: true, stdout: true, stderr: true, ...(stdinFiles === undefined ? {} : { stdin: true, hijack: true }) }));
    stdout = options.collectStdout === undefined ? null : new PassThrough();
    // Started now, so the stream has a reader from its first byte; judged only after a zero exit.
    collected = stdout === null ? null : options.collectStdout!(stdout);
    collected?.catch(() => undefined);
    const ended = demux(stream, options.onOutput, stdout);
    if (options.signal?.aborted) killed.for = "cancel";
    else {
      if (launched === undefined) await container.start();
      const feed = stdinFiles === undefined ? null : feedStdin(stream as unknown as Duplex, stdinFiles, options.onStdinSent);
      exitCode = ((await container.wait()) as { StatusCode: number }).StatusCode;
      await ended;
      // All output has arrived: what the command did not read of its stdin is moot now.
      feed?.stop();
      const unsent = (await feed?.done) ?? null;
      if (unsent !== null && killed.for === null) throw unsent;
    }
    stdout?.end();
    if (killed.for === null && exitCode === 0) {
      await collected;
      if (options.collectPath !== undefined && options.collect !== undefined) {
        const tar = await container.getArchive({ path: options.collectPath });
        await options.collect(tar as unknown as Readable);
      }
    }
  } catch (error) {
    if (killed.for !== null || (engineLost = await engineLoss(docker, options.endpoint)) === null) throw error;
  } finally {
    disarm();
    // Whatever happened, the consumer has finished writing before the caller sees the result.
    stdout?.end();
    await collected?.catch(() => undefined);
    // v: any anonymous volume (an image's VOLUME) goes with it; named volumes are never removed by this.
    await Promise.all([container.remove({ force: true, v: true }).catch(() => undefined), helperRemoved]);
  }
  // A failure nobody here caused may be the engine's: a stopping dockerd kills every container it runs.
  if (engineLost === null && killed.for === null && exitCode !== 0) engineLost = await engineLoss(docker, options.endpoint);
  return {
    containerId: container.id,
    exitCode,
    signal: killed.for !== null && exitCode !== null ? "SIGKILL" : signalOfStatus(exitCode),
    timedOut: killed.for === "timeout",
    cancelled: killed.for === "cancel",
    cancelReason: killed.for === "cancel" ? cancelReasonOf(options.signal) : null,
    durationMs: Date.now() - startedAt,
    ...(engineLost === null ? {} : { engineLost }),
  };
}

/**
 * Kills the container when the run's signal aborts or its timeout passes; `killed.for` says which
 * came first (a kill is a result, not an error). Disarm it once the run has ended.
 */
export function killSwitch(container: Docker.Container, options: Pick<RunOptions, "signal" | "timeoutMs">): { readonly killed: { for: "cancel" | "timeout" | null }; disarm(): void } {
  const killed: { for: "cancel" | "timeout" | null } = { for: null };
  const kill = (why: "cancel" | "timeout") => {
    killed.for ??= why;
    container.kill().catch(() => undefined);
  };
  const onAbort = () => kill("cancel");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = options.timeoutMs === undefined ? null : setTimeout(() => kill("timeout"), options.timeoutMs);
  return {
    killed,
    disarm: () => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    },
  };
}

/** A container attached (stdin included) and started ahead of its run; its output waits unread in the stream. */
export interface Launched {
  readonly stream: NodeJS.ReadWriteStream & { destroy(): void };
}

/**
 * Attaches (stdin included) and starts a created container whose command first reads its stdin
 * (StdinOnce): it starts while the build still makes its inputs, and waits for them. Attached
 * before the start, so no output is lost; nothing reads the stream until the run does.
 */
export async function launch(container: Docker.Container): Promise<Launched> {
  const stream = (await container.attach({ stream: true, stdout: true, stderr: true, stdin: true, hijack: true })) as Launched["stream"];
  try {
    await container.start();
  } catch (error) {
    stream.destroy();
    throw error;
  }
  return { stream };
}

/** How long a still-running engine may take to answer a ping before it counts as gone. */
const PING_TIMEOUT_MS = 10_000;

/** Errors that mean nothing listens at the engine's address any more (or it does not answer). */
const GONE = new Set(["ENOENT", "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTCONN", "NO_ANSWER"]);

/**
 * null while the engine answers; else what went wrong, naming the engine. A stopping dockerd first
 * closes its socket, then stops its containers, yet keeps serving connections already open: so the
 * check opens a new connection (as the next command would) before it pings. Only a connection that
 * fails (or no answer) counts: any other error says nothing about the engine, so the run's own
 * failure stands.
 */
export async function engineLoss(docker: Docker, endpoint: string): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      freshConnection(docker.modem as Modem).then(() => docker.ping()),
      new Promise((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error("no answer"), { code: "NO_ANSWER" })), PING_TIMEOUT_MS))),
    ]);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !GONE.has(code)) return null;
    const why = code === "ENOENT" ? "its socket is gone" : code === "ECONNREFUSED" ? "connection refused" : code === "NO_ANSWER" ? `no answer within ${PING_TIMEOUT_MS / 1000} s` : code;
    return `the Docker engine at ${endpoint} stopped answering (${why})`;
  } finally {
    clearTimeout(timer);
  }
}

/** What docker-modem knows of the address; its socketPath may be a finder function, resolved by getSocketPath(). */
interface Modem {
  readonly socketPath?: unknown;
  getSocketPath?(): Promise<string | undefined>;
  readonly host?: string;
  readonly port?: number | string;
  readonly protocol?: string;
}

/** Opens and closes a new connection to the engine's socket or TCP port (ssh endpoints: nothing to check here). */
async function freshConnection(modem: Modem): Promise<void> {
  const socketPath = typeof modem.getSocketPath === "function" ? await modem.getSocketPath() : typeof modem.socketPath === "string" ? modem.socketPath : undefined;
  const target: NetConnectOpts | null =
    socketPath !== undefined ? { path: socketPath } : modem.protocol !== "ssh" && modem.host !== undefined ? { host: modem.host, port: Number(modem.port) } : null;
  if (target === null) return;
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection(target, () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

/** The result of a run cancelled before its container was even created. */
export function cancelledBeforeStart(signal: AbortSignal | undefined): RunResult {
  return { containerId: "", exitCode: null, signal: null, timedOut: false, cancelled: true, cancelReason: cancelReasonOf(signal), durationMs: 0 };
}

/** Docker reports a process killed by signal N as exit status 128 + N. */
function signalOfStatus(status: number | null): NodeJS.Signals | null {
  if (status === null || status <= 128) return null;
  const found = Object.entries(constants.signals).find(([, n]) => n === status - 128);
  return found === undefined ? null : (found[0] as NodeJS.Signals);
}

/**
 * Writes `files` as one tar (or a tar being written) to the attached stdin, then half-closes it: with StdinOnce that is the
 * command's end of input. `done` settles once the tar is written, the stream has closed, or `stop`
 * is called (the command has ended and its output has arrived: a command that exited without reading
 * all of it leaves the rest stuck in the socket, so the stream is destroyed). A file that cannot be
 * read is the error it settles with; stdin is closed then too, so the command sees a cut-off archive
 * and fails instead of waiting for more.
 */
export function feedStdin(stream: Duplex, files: readonly InputFile[] | Readable, onSent?: () => void): { readonly done: Promise<Error | null>; stop(): void } {
  const tar = Array.isArray(files) ? packInputs(files) : (files as Readable);
  let settle: (error: Error | null, abandon?: boolean) => void = () => undefined;
  const done = new Promise<Error | null>((resolve) => {
    let settled = false;
    settle = (error, abandon = false) => {
      if (settled) return;
      settled = true;
      tar.unpipe(stream);
      if (error !== null || abandon) tar.destroy();
      if (abandon) stream.destroy();
      else if (!stream.destroyed) stream.end();
      resolve(error);
    };
    tar.once("error", (error: Error) => settle(new Error(`could not send the container its inputs: ${error.message}`)));
    tar.once("end", () => {
      settle(null);
      onSent?.();
    });
    stream.once("close", () => settle(null));
    tar.pipe(stream, { end: false });
  });
  return { done, stop: () => settle(null, true) };
}

/** Splits the attached stream; stdout goes to `collector` when there is one (which the caller ends). */
export function demux(stream: NodeJS.ReadWriteStream, onOutput: RunOptions["onOutput"], collector: PassThrough | null): Promise<void> {
  const stdout = collector ?? new PassThrough();
  const stderr = new PassThrough();
  if (collector === null) stdout.on("data", (chunk: Buffer) => onOutput?.(chunk, "stdout"));
  stderr.on("data", (chunk: Buffer) => onOutput?.(chunk, "stderr"));
  demuxStream(stream, stdout, stderr);
  return new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", () => resolve());
  });
}
