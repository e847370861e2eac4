// The narrow interface the rest of the orchestrator uses to talk to a Docker engine.
// Only orchestrator/docker/ imports dockerode; everything else sees these types.
import type { Readable, Writable } from "node:stream";
import type { CancelReason } from "../errors/errors.js";
import type { LeaseBackend } from "../ownership/lease.js";

/** Labels every resource we create carries (see docker/labels.ts); they are ownership's, re-exported for the engine's users. */
export { LABEL_ROLE, LABEL_RUN, LABEL_TOOL } from "../ownership/labels.js";

export interface VolumeMount {
  /** Named volume; created (with our labels) if missing. */
  readonly volume: string;
  readonly target: string;
  readonly readOnly?: boolean;
}

/** A file to place in a container before it starts (sent as a tar stream, no bind mounts). */
export interface InputFile {
  /** Path inside the container's target directory, relative ("linux/levitate.config"). */
  readonly path: string;
  /** Contents, or an absolute host path to stream from. */
  readonly data?: Uint8Array | string;
  readonly hostPath?: string;
  readonly mode?: number;
}

export interface ContainerSpec {
  readonly image: string;
  /** Optional fixed name (VMs are named); stage containers get a generated one. */
  readonly name?: string;
  readonly cmd: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  readonly mounts?: readonly VolumeMount[];
  /** Stage containers use "none". */
  readonly network: "none" | "host" | "bridge";
  /** Container ports published on the host (a VM's --publish); only with the "bridge" network. */
  readonly ports?: readonly PublishedPort[];
  /** Host devices to pass through, e.g. "/dev/kvm". */
  readonly devices?: readonly string[];
  /** Extra labels on top of the tool/run labels. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly tty?: boolean;
  readonly openStdin?: boolean;
  /**
   * Stdin takes one writer, whose end is the command's end of input (Docker's StdinOnce): how
   * `RunOptions.stdinFiles` reach a stage. Implies an open stdin.
   */
  readonly stdinOnce?: boolean;
  /** Remove automatically when it exits (used for detached VMs? no: they keep logs until `vm rm`). */
  readonly autoRemove?: boolean;
  /** Memory limit (no swap beyond it); default DEFAULT_LIMITS.memoryBytes. */
  readonly memoryBytes?: number;
  /** Most processes the container may run; default DEFAULT_LIMITS.pidsLimit. */
  readonly pidsLimit?: number;
  /** Run as this user (a name or uid:gid the image knows); uploads are then owned by it, and so are the named volumes it writes. */
  readonly user?: string;
  /** The root filesystem is read-only; write to volumes and `tmpfs`. */
  readonly readOnlyRootfs?: boolean;
  /**
   * false: the engine keeps no log of the output (log driver "none"); it reaches only whoever is
   * attached. For stages, whose stdout carries MBs of tar: through the default json-file driver,
   * 7 MB of it cost 0.45 s; attached only, 0.02 s.
   */
  readonly engineLog?: boolean;
  /** tmpfs mounts: path -> options ("size=1g"). */
  readonly tmpfs?: Readonly<Record<string, string>>;
  /** Outlives the command that started it (a named VM): carries no owner, so the reaper leaves it. */
  readonly detached?: boolean;
}

export interface PublishedPort {
  readonly containerPort: number;
  readonly protocol: "tcp" | "udp";
  /** The host address it listens on, e.g. "127.0.0.1". */
  readonly hostIp: string;
  readonly hostPort: number;
}

export interface InputGroup {
  /** Absolute directory in the container the files land in. */
  readonly dir: string;
  readonly files: readonly InputFile[];
  /** Skip the upload when this container path already exists (e.g. a source already in its volume). */
  readonly unlessExists?: string;
}

export interface RunOptions {
  /** Uploaded into the created container before start: directory -> files (through the engine's archive API). */
  readonly inputs?: readonly InputGroup[];
  /**
   * Written as one tar to the container's stdin once it has started, then stdin is closed; the
   * command unpacks it (a stage: `tar -C /in -xf -` into a tmpfs). Needs a spec with `stdinOnce`.
   * Cheaper than `inputs`: the engine extracts an upload in a helper process of its own and (for a
   * stage's user) looks up its uid in the image, about 0.1 s for the iso stage's 6 MB.
   */
  readonly stdinFiles?: readonly InputFile[];
  /** Called once `stdinFiles` are all written: the command works on them now, and this thread waits for its output. */
  readonly onStdinSent?: () => void;
  /** Called with each chunk of the container's stdout and stderr, as it arrives. */
  readonly onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void;
  /** After a zero exit, this container path is fetched as a tar stream and handed to `collect`. */
  readonly collectPath?: string;
  readonly collect?: (tar: Readable) => Promise<void>;
  /**
   * The container's stdout is what it made (a stage ends with a tar of /out on stdout, its log on
   * stderr): it streams into this consumer as it arrives, instead of to `onOutput`. What the consumer
   * made counts only after a zero exit; after any other end its error, if any, is dropped.
   */
  readonly collectStdout?: (stdout: Readable) => Promise<void>;
  /** Aborting kills and removes the container; the result says `cancelled` with the reason. */
  readonly signal?: AbortSignal;
  /** Kill the container after this many milliseconds; the result says `timedOut`. */
  readonly timeoutMs?: number;
}

/** How a container run ended, in the way execa reports a process: never a string, never an exception for a kill. */
export interface RunResult {
  readonly containerId: string;
  /** The main process's exit status; null when it never started (cancelled before start). */
  readonly exitCode: number | null;
  /** The signal that ended it (SIGKILL when we killed it for a timeout or a cancel), else null. */
  readonly signal: NodeJS.Signals | null;
  /** Killed because `timeoutMs` passed. */
  readonly timedOut: boolean;
  /** Killed (or never started) because the `signal` option was aborted; `cancelReason` says why. */
  readonly cancelled: boolean;
  readonly cancelReason: CancelReason | null;
  /** From creating the container to its removal being requested. */
  readonly durationMs: number;
  /**
   * Set when the run broke off or ended by a signal nobody here sent and the engine no longer
   * answers (it was stopped or crashed): what happened, naming the engine. The exit code and
   * output of such a run are not to be trusted.
   */
  readonly engineLost?: string;
}

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly state: string;
  readonly status: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly created: number;
}

export interface AttachedStreams {
  /** Write to the container's stdin. */
  readonly stdin: Writable;
  /** The container's stdout (and stderr, demultiplexed into the same stream). */
  readonly output: Readable;
  /** Detach without stopping the container. */
  close(): void;
}

export interface EngineInfo {
  readonly id: string;
  readonly name: string;
  readonly serverVersion: string;
  readonly apiVersion: string;
  readonly os: string;
  /** As the engine says it: "x86_64", "aarch64". */
  readonly architecture: string;
  readonly kernel: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly storageDriver: string;
  readonly dockerRootDir: string;
  /** How we reached it: "unix:///var/run/docker.sock", "tcp://...". */
  readonly endpoint: string;
}

export interface BuildImageOptions {
  readonly tag: string;
  /** Build context: files to include (Dockerfile must be among them, at `dockerfile`). */
  readonly context: readonly InputFile[];
  readonly dockerfile?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** "host" lets RUN steps reach the package archive. */
  readonly network?: "host" | "default";
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ImageSummary {
  readonly id: string;
  readonly tags: string[];
  readonly sizeBytes: number;
  readonly labels: Record<string, string>;
}

export interface ContainerState {
  readonly id: string;
  readonly name: string;
  /** The image it was created from, as named then. */
  readonly image: string;
  readonly running: boolean;
  readonly exitCode: number | null;
  readonly labels: Record<string, string>;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** Registry credentials handed to the engine for a push or pull (never printed). */
export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

export interface ImageClient {
  /** The image's id, or null when the engine has no such image. */
  id(ref: string): Promise<string | null>;
  /** Builds and tags; returns the new image's id. */
  build(options: BuildImageOptions): Promise<string>;
  /** Removes (forced); a missing image is not an error. */
  remove(ref: string): Promise<void>;
  list(labels: Readonly<Record<string, string>>): Promise<ImageSummary[]>;
  /** Gives `source` a second name ("127.0.0.1:5000/cache:toolchain-…"). */
  tag(source: string, target: string): Promise<void>;
  /** Push and pull go through the engine: its network view and its TLS settings, our credentials. */
  push(ref: string, options?: { auth?: RegistryAuth; onLog?: (line: string) => void; signal?: AbortSignal }): Promise<void>;
  pull(ref: string, options?: { auth?: RegistryAuth; onLog?: (line: string) => void; signal?: AbortSignal }): Promise<void>;
}

export interface VolumeClient {
  /** Creates the volume (with our labels) unless it exists. */
  ensure(name: string, labels?: Readonly<Record<string, string>>): Promise<void>;
  exists(name: string): Promise<boolean>;
  /** Removes (forced); a missing volume is not an error. */
  remove(name: string): Promise<void>;
  list(labels: Readonly<Record<string, string>>): Promise<{ name: string; labels: Record<string, string> }[]>;
}

/** A one-shot container created (and its volumes handed to its user) ahead of its inputs. */
export interface PreparedContainer {
  /** As ContainerClient.run from the upload on: always removed at its end. */
  run(options?: RunOptions): Promise<RunResult>;
  /** Removes it unrun (what came before it failed or was cancelled); idempotent. */
  discard(): Promise<void>;
}

export interface ContainerClient {
  /** Create, upload inputs, start, stream output, wait, collect, and always remove; a kill is a result, not an error. */
  run(spec: ContainerSpec, options?: RunOptions): Promise<RunResult>;
  /**
   * The part of `run` that needs no input (create, hand the volumes over; for a `stdinOnce` spec
   * also attach and start, the command then waits for its stdin), done early: a stage's container
   * gets ready while the stage before it still runs. Its later uploads must not add directories to
   * named volumes (they would stay root's): for containers without named volumes. Optional:
   * without it, `run` does all.
   */
  prepare?(spec: ContainerSpec): Promise<PreparedContainer>;
  /**
   * Like `prepare`, but the container stays up after its run for the next command to find (see
   * warm-container.ts): found running when an earlier run left one for this spec, else created and
   * started. Its runs are execs; it exits, and is removed, once idle for `idleSeconds`. For specs
   * without volumes whose command reads its inputs from stdin. `early`: stdin files that exist
   * already and will be the run's, sent as soon as its exec starts. Optional: without it, `prepare`.
   */
  warm?(spec: ContainerSpec, options: { readonly idleSeconds: number; readonly early?: readonly InputFile[] }): Promise<PreparedContainer>;
  /** Start a long-lived container (a VM) and return its id; it is not removed on exit. */
  start(spec: ContainerSpec, options?: Pick<RunOptions, "inputs">): Promise<string>;
  attach(nameOrId: string): Promise<AttachedStreams>;
  logs(nameOrId: string, options: { follow: boolean; since?: number }): Promise<Readable>;
  /** null when there is no such container. */
  inspect(nameOrId: string): Promise<ContainerState | null>;
  /** Missing or already stopped containers are not an error (for stop, kill and remove alike). */
  stop(nameOrId: string, timeoutSeconds: number): Promise<void>;
  kill(nameOrId: string): Promise<void>;
  remove(nameOrId: string): Promise<void>;
  wait(nameOrId: string): Promise<number>;
  list(labels: Readonly<Record<string, string>>, options?: { all?: boolean }): Promise<ContainerSummary[]>;
  /** Copy a path out of a container (running or not) as a tar stream. */
  getArchive(nameOrId: string, path: string): Promise<Readable>;
}

/** One engine, three resource clients (as testcontainers splits its runtime client). */
export interface Engine {
  /** Locks that only one process holds engine-wide, kept by containers of `image` (which must have `cat`). */
  leases(image: string): LeaseBackend;
  /** Removes containers whose owner is gone (done once, on first use of the engine; this waits for it). */
  reapOrphans(): Promise<void>;
  /** Throws UserError (what was tried, how to start one) when unreachable. */
  info(): Promise<EngineInfo>;
  readonly images: ImageClient;
  readonly volumes: VolumeClient;
  readonly containers: ContainerClient;
  /** Run-id label value for this process; every resource is tagged with it. */
  readonly runId: string;
}
