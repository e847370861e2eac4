// The narrow interface the rest of the orchestrator uses to talk to a Docker engine.
// Only orchestrator/docker/ imports dockerode; everything else sees these types.
import type { Readable, Writable } from "node:stream";

/** Labels every resource we create carries (see docker/labels.ts). */
export const LABEL_TOOL = "levitate-docker";
export const LABEL_RUN = "levitate-docker.run";
export const LABEL_ROLE = "levitate-docker.role";

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
  /** Host devices to pass through, e.g. "/dev/kvm". */
  readonly devices?: readonly string[];
  /** Extra labels on top of the tool/run labels. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly tty?: boolean;
  readonly openStdin?: boolean;
  /** Remove automatically when it exits (used for detached VMs? no: they keep logs until `vm rm`). */
  readonly autoRemove?: boolean;
  readonly memoryBytes?: number;
}

export interface InputGroup {
  /** Absolute directory in the container the files land in. */
  readonly dir: string;
  readonly files: readonly InputFile[];
  /** Skip the upload when this container path already exists (e.g. a source already in its volume). */
  readonly unlessExists?: string;
}

export interface RunOptions {
  /** Uploaded into the created container before start: directory -> files. */
  readonly inputs?: readonly InputGroup[];
  /** Called with each chunk of the container's stdout and stderr, as it arrives. */
  readonly onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void;
  /** After a zero exit, this container path is fetched as a tar stream and handed to `collect`. */
  readonly collectPath?: string;
  readonly collect?: (tar: Readable) => Promise<void>;
  /** Aborting kills and removes the container, then rejects with the abort reason. */
  readonly signal?: AbortSignal;
  /** Kill the container after this many milliseconds (rejects with a timeout error). */
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly exitCode: number;
  readonly containerId: string;
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

export interface Engine {
  /** Throws UserError (what was tried, how to start one) when unreachable. */
  info(): Promise<EngineInfo>;
  imageId(ref: string): Promise<string | null>;
  buildImage(options: BuildImageOptions): Promise<string>;
  removeImage(ref: string): Promise<void>;
  listImages(labels: Readonly<Record<string, string>>): Promise<{ id: string; tags: string[]; sizeBytes: number; labels: Record<string, string> }[]>;

  ensureVolume(name: string, labels?: Readonly<Record<string, string>>): Promise<void>;
  volumeExists(name: string): Promise<boolean>;
  removeVolume(name: string): Promise<void>;
  listVolumes(labels: Readonly<Record<string, string>>): Promise<{ name: string; labels: Record<string, string> }[]>;

  /** Create, upload inputs, start, stream output, wait, collect, and always remove. */
  run(spec: ContainerSpec, options?: RunOptions): Promise<RunResult>;

  /** Start a long-lived container (a VM) and return its id; it is not removed on exit. */
  start(spec: ContainerSpec, options?: Pick<RunOptions, "inputs">): Promise<string>;
  attach(nameOrId: string): Promise<AttachedStreams>;
  logs(nameOrId: string, options: { follow: boolean; since?: number }): Promise<Readable>;
  inspect(nameOrId: string): Promise<{ id: string; name: string; running: boolean; exitCode: number | null; labels: Record<string, string>; startedAt: string; finishedAt: string } | null>;
  stop(nameOrId: string, timeoutSeconds: number): Promise<void>;
  kill(nameOrId: string): Promise<void>;
  remove(nameOrId: string): Promise<void>;
  wait(nameOrId: string): Promise<number>;
  list(labels: Readonly<Record<string, string>>, options?: { all?: boolean }): Promise<ContainerSummary[]>;
  /** Copy a path out of a container (running or not) as a tar stream. */
  getArchive(nameOrId: string, path: string): Promise<Readable>;
  /** Run-id label value for this process; every resource is tagged with it. */
  readonly runId: string;
}
