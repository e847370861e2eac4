// Runs one container stage as its invocation says: files and source in, the script under NetworkMode none, /out back.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract } from "tar-fs";
import type { OutputDigest, OutputDigests } from "../artifacts/artifact-digests.js";
import type { ContainerSpec, Engine, InputFile, InputGroup, PreparedContainer, RunOptions } from "../docker/types.js";
import { finishedExitCode } from "../docker/run-outcome.js";
import { StageError } from "../errors/errors.js";
import { hashingStream } from "../hash/copy-hashing.js";
import type { StageInvocation, StageName } from "../stages/stage.js";
import { sourceDir } from "../stages/table.js";
import { lineTail } from "./line-tail.js";
import { DEFAULT_LIMITS } from "../docker/hardening.js";
import { LABEL_WORK_VOLUME } from "../ownership/work-tree-lock.js";
import { LABEL_PROJECT } from "../ownership/labels.js";

export interface RunContainerStageOptions {
  readonly engine: Engine;
  readonly invocation: StageInvocation;
  /** The stage's cache key (a label on its container). */
  readonly key: string;
  readonly toolchainTag: string;
  /** Build trees are per toolchain, so a new compiler never reuses old objects. */
  readonly toolchainKey: string;
  /** Verified source tarball on the host (null for stages without one). */
  readonly sourcePath: string | null;
  /** Artifact directories of the stages it needs. */
  readonly artifacts: ReadonlyMap<StageName, string>;
  readonly logPath: string;
  readonly jobs: number;
  /** Names the cache volumes: <prefix>-sources, <prefix>-work-<stage>-<toolchain>, <prefix>-ccache. */
  readonly volumePrefix: string;
  readonly onLine: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Its container, created ahead (engine.containers.prepare from stageSpec of these options): run instead of a new one. */
  readonly prepared?: Promise<PreparedContainer>;
  /** Called once the stage's files are all on the container's stdin (see RunOptions.onStdinSent). */
  readonly onInputsSent?: () => void;
  /** Memory and pids limits of the stage container (config `build:`); default DEFAULT_LIMITS. */
  readonly limits?: { readonly memoryBytes: number; readonly pidsLimit: number };
}

/** Stages run as this user (present in every toolchain image), with no capabilities; it owns the volumes it writes. */
export const STAGE_USER = "nobody";
/** nobody's uid and gid in Debian and in Alpine: the owner of the /in and /out tmpfs mounts. */
export const STAGE_UID = 65534;

/** Where a stage's files land: the group of its inputs for this directory goes to the container's stdin. */
export const STAGE_IN = "/in";

/**
 * The contract: the stage's files arrive on stdin as a tar, unpacked into /in first; /out exists, is
 * empty and is the stage user's when the script starts. A source reaches its volume (uploaded before
 * the start) as `<file>.upload` and is renamed here, once the upload is whole: an upload cut off by a
 * kill is uploaded again by the next run instead of being taken for the tarball. The script's output
 * (both streams) is its log, on stderr; once it has succeeded, stdout carries a tar of /out, which the
 * build unpacks as it arrives (no second request for the files once the container has stopped).
 */
export const STAGE_COMMAND = [
  "sh",
  "-c",
  `tar -C ${STAGE_IN} -xf - || { echo "stage: could not unpack the stage files (a tar on stdin) into ${STAGE_IN}" >&2; exit 70; }; ` +
    'if [ -n "${SRC:-}" ] && [ -f "$SRC.upload" ]; then mv -f "$SRC.upload" "$SRC"; fi; ' +
    `[ -w /out ] || { echo "stage: /out is not writable by $(id -un) (uid $(id -u)); the /out tmpfs belongs to uid ${STAGE_UID}" >&2; exit 70; }; ` +
    `sh ${STAGE_IN}/stage.sh >&2 && tar -C /out -cf - .`,
] as const;

/**
 * In RAM: /tmp for the scripts' temporary files (the root filesystem is read-only), /in for the stage's
 * files, and /out, where a stage leaves its outputs (the largest, the ISO, is a few MB). All count
 * against the stage's memory limit.
 */
export const STAGE_TMPFS = {
  "/tmp": "rw,nosuid,nodev,exec,size=2g,mode=1777",
  [STAGE_IN]: `rw,nosuid,nodev,noexec,size=1g,mode=0755,uid=${STAGE_UID},gid=${STAGE_UID}`,
  "/out": `rw,nosuid,nodev,noexec,size=1g,mode=0755,uid=${STAGE_UID},gid=${STAGE_UID}`,
} as const;

/** The build tree volume of a stage: per toolchain, so a new compiler never reuses old objects. */
export function workVolumeName(prefix: string, stage: StageName, toolchainKey: string): string {
  return `${prefix}-work-${stage}-${toolchainKey.slice(0, 12)}`;
}

/** The container spec and uploads for an invocation: its env plus JOBS, its files in /in, its source in /sources. */
export function stageContainer(options: Omit<RunContainerStageOptions, "engine" | "logPath" | "onLine" | "signal" | "prepared">): { spec: ContainerSpec; inputs: InputGroup[] } {
  return { spec: stageSpec(options), inputs: stageInputs(options) };
}

/**
 * What the stage container receives: its files in /in (artifacts of needed stages included; a tar on
 * its stdin), its source (uploaded into the sources volume unless it is there already).
 */
function stageInputs(options: Pick<RunContainerStageOptions, "invocation" | "artifacts" | "sourcePath">): InputGroup[] {
  const { invocation } = options;
  const inputs: InputGroup[] = [{ dir: STAGE_IN, files: invocation.files.map((f) => inFile(f, options.artifacts)) }];
  if (invocation.source !== null && options.sourcePath !== null) {
    const dir = sourceDir(invocation.source.sha256);
    const file = invocation.source.file;
    inputs.push({ dir, files: [{ path: `${file}.upload`, hostPath: options.sourcePath }], unlessExists: `${dir}/${file}` });
  }
  return inputs;
}

/** The container itself: it needs none of the stage's inputs, so it can be created before they exist. */
export function stageSpec(options: Omit<RunContainerStageOptions, "engine" | "logPath" | "onLine" | "signal" | "prepared" | "artifacts" | "sourcePath">): ContainerSpec {
  const { invocation } = options;
  const work = invocation.buildTree ? workVolumeName(options.volumePrefix, invocation.name, options.toolchainKey) : null;
  return {
    image: options.toolchainTag,
    // Named after its project (the volume prefix) and stage, so `docker ps` (and whoever looks for
    // this project's containers) can tell, also for a stage that mounts no volume of the project.
    name: `${options.volumePrefix}-stage-${invocation.name}-${randomBytes(4).toString("hex")}`,
    cmd: [...STAGE_COMMAND],
    env: { ...invocation.env, JOBS: String(options.jobs) },
    network: "none",
    user: STAGE_USER,
    readOnlyRootfs: true,
    stdinOnce: true,
    // The log is ours (out/logs/) and stdout is a tar: the engine need not keep a copy.
    engineLog: false,
    tmpfs: STAGE_TMPFS,
    memoryBytes: (options.limits ?? DEFAULT_LIMITS).memoryBytes,
    pidsLimit: (options.limits ?? DEFAULT_LIMITS).pidsLimit,
    mounts:
      work === null
        ? []
        : [
            { volume: `${options.volumePrefix}-sources`, target: "/sources" },
            { volume: work, target: "/work" },
            { volume: `${options.volumePrefix}-ccache`, target: "/ccache" },
          ],
    labels: {
      "levitate-docker.role": "stage",
      "levitate-docker.stage": invocation.name,
      "levitate-docker.key": options.key,
      // Whose it is: also what keeps two projects' warm iso containers apart (see warm-container.ts).
      [LABEL_PROJECT]: options.volumePrefix,
      ...(work === null ? {} : { [LABEL_WORK_VOLUME]: work }),
    },
  };
}

/**
 * The stage's stdin files that exist now: its script, its host files, and the files of the needed
 * stages whose artifacts are in `artifacts` (built or found intact in this build, so their files no
 * longer change). What a warm container can be sent before the stage's last input is made.
 */
export function stdinFilesAvailable(invocation: StageInvocation, artifacts: ReadonlyMap<StageName, string>): InputFile[] {
  return invocation.files.filter((file) => !("fromStage" in file) || artifacts.has(file.fromStage)).map((file) => inFile(file, artifacts));
}

function inFile(file: StageInvocation["files"][number], artifacts: ReadonlyMap<StageName, string>): InputFile {
  if ("tree" in file) throw new Error(`a container stage cannot take a directory (${file.role}); list its files`);
  if ("fromStage" in file) {
    const dir = artifacts.get(file.fromStage);
    if (dir === undefined) throw new Error(`the artifact of ${file.fromStage} is needed for ${file.role} but was not built`);
    return { path: file.path, hostPath: join(dir, file.file) };
  }
  return { path: file.path, hostPath: file.hostPath, ...(file.mode === undefined ? {} : { mode: file.mode }) };
}

/** A regular file's stream as tar-fs writes it, through a hash: its digest lands in `written` at its end. */
function hashedOnTheWay(stream: Readable, header: { type: string; name: string }, written: Record<string, OutputDigest>): Readable {
  // tar-fs has normalized the name: the file is `dir` joined with it, as recordOutputs lists it.
  // Whatever an earlier entry of that name was hashed to, this one replaces it.
  const name = join("/", header.name).slice(1);
  delete written[name];
  if (header.type !== "file") return stream;
  const hashed = hashingStream((digest) => {
    written[name] = digest;
  });
  // A tar cut off mid-file fails this file's write too (pipe() would leave it waiting).
  stream.on("error", (error) => hashed.destroy(error));
  return stream.pipe(hashed);
}

/**
 * Unpacks the tar of /out that the stage command writes to stdout (entries "./", "./bzImage", ...)
 * into `dir`, hashing each file's bytes on their way to it: the artifact's digests come from what
 * was written, not from reading the files again afterwards (the ISO alone is 6.6 MB, read back
 * while the build waits).
 */
async function extractOut(tar: Readable, dir: string, written: Record<string, OutputDigest>): Promise<void> {
  await pipeline(
    tar,
    extract(dir, {
      map: (header) => ({ ...header, name: header.name.replace(/^\.\//, "") }),
      ignore: (_name, header) => header?.name === "." || header?.name === "./" || header?.name === "",
      // tar-fs writes each file from the stream this returns (any Readable; the types say fs.ReadStream).
      ...({ mapStream: (stream: Readable, header: { type: string; name: string }) => hashedOnTheWay(stream, header, written) } as object),
      // The stage's user owns them in the container; on the host they are ours (the types lack this tar-fs option).
      ...({ chown: false } as object),
    }),
  );
}

/** Runs the stage into `into`; the digests of the files it left there, hashed as they were written. */
export async function runContainerStage(options: RunContainerStageOptions, into: string): Promise<OutputDigests> {
  const { invocation } = options;
  await mkdir(join(options.logPath, ".."), { recursive: true });
  const log = createWriteStream(options.logPath);
  const tail = lineTail(25, options.onLine);
  const inputs = stageInputs(options);
  const written: Record<string, OutputDigest> = {};
  let exitCode: number;
  try {
    const runOptions: RunOptions = {
      stdinFiles: inputs.find((group) => group.dir === STAGE_IN)?.files ?? [],
      inputs: inputs.filter((group) => group.dir !== STAGE_IN),
      onOutput: (chunk) => {
        log.write(chunk);
        tail.push(chunk);
      },
      collectStdout: (tar) => extractOut(tar, into, written),
      ...(options.onInputsSent === undefined ? {} : { onStdinSent: options.onInputsSent }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    const result = options.prepared === undefined ? await options.engine.containers.run(stageSpec(options), runOptions) : await (await options.prepared).run(runOptions);
    if (result.engineLost !== undefined && !result.cancelled) {
      throw new StageError(invocation.name, result.exitCode, tail.lines(), options.logPath, {
        reason:
          `stage ${invocation.name} did not finish: ${result.engineLost}. Nothing it made was kept. ` +
          `Start the engine again (docker info answers), then build again: the stage resumes from its work volume`,
      });
    }
    exitCode = finishedExitCode(result, `container ${options.toolchainTag}`);
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
  if (exitCode !== 0) throw new StageError(invocation.name, exitCode, tail.lines(), options.logPath);
  return written;
}
