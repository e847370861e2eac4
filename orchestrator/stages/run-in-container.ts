// Runs one container stage: sources and inputs in, the script under NetworkMode none, /out back.
import { createWriteStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { extract } from "tar-fs";
import { pipeline } from "node:stream/promises";
import type { ResolvedConfig } from "../config/types.js";
import type { Engine, InputGroup } from "../docker/types.js";
import { StageError } from "../errors/errors.js";
import { finishedExitCode } from "../docker/run-outcome.js";
import type { PlannedStage } from "../plan/plan.js";
import type { StageName } from "../plan/stages.js";
import { readLfFile } from "../util/line-endings.js";
import { packageRoot } from "../util/package-root.js";
import type { ContainerStage } from "./container-stage.js";

export interface RunContainerStageOptions {
  readonly engine: Engine;
  readonly config: ResolvedConfig;
  readonly stage: ContainerStage;
  readonly planned: PlannedStage;
  readonly toolchainTag: string;
  /** Short key of the toolchain: build trees are per toolchain, so a new compiler never reuses old objects. */
  readonly toolchainKey: string;
  /** Verified source tarball on the host (or null for stages without one). */
  readonly sourcePath: string | null;
  readonly artifacts: ReadonlyMap<StageName, string>;
  readonly logPath: string;
  readonly jobs: number;
  /** Names the cache volumes: <prefix>-sources, <prefix>-work-<stage>-<toolchain>, <prefix>-ccache. */
  readonly volumePrefix: string;
  readonly onLine: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** The contract: /out exists and is empty when the script starts. */
export const STAGE_COMMAND = ["sh", "-c", "mkdir -p /out && exec sh /in/stage.sh"] as const;

/** Lines of output, split across chunk boundaries. */
function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = "";
  return (chunk) => {
    const text = rest + chunk.toString("utf8");
    const lines = text.split(/\r?\n/);
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") onLine(line);
  };
}

/** Copies the container's /out (a tar whose entries start with "out/") into `dir`. */
async function extractOut(tar: Readable, dir: string): Promise<void> {
  await pipeline(
    tar,
    extract(dir, {
      map: (header) => ({ ...header, name: header.name.replace(/^out\/?/, "") }),
      ignore: (_name, header) => header?.name === "out" || header?.name === "out/",
    }),
  );
}

export async function runContainerStage(options: RunContainerStageOptions, into: string): Promise<void> {
  const { engine, config, stage, planned } = options;
  await mkdir(join(options.logPath, ".."), { recursive: true });
  const log = createWriteStream(options.logPath);
  const tail: string[] = [];
  const split = lineSplitter((line) => {
    tail.push(line);
    if (tail.length > 25) tail.shift();
    options.onLine(line);
  });
  const pin = stage.source(config);
  const env: Record<string, string> = {
    JOBS: String(options.jobs),
    SOURCE_DATE_EPOCH: "0",
    STAGE: stage.name,
    ...stage.env(config),
  };
  const inputs: InputGroup[] = [
    {
      dir: "/in",
      files: [
        { path: "stage.sh", data: await readLfFile(join(packageRoot, "images", "stages", `${stage.name}.sh`)), mode: 0o755 },
        ...stage.inputs(config, options.artifacts),
      ],
    },
  ];
  if (pin !== null && options.sourcePath !== null) {
    const dir = `/sources/${pin.sha256}`;
    Object.assign(env, { SRC: `${dir}/${pin.file}`, SRC_SHA256: pin.sha256, SRC_VERSION: pin.version });
    inputs.push({ dir, files: [{ path: pin.file, hostPath: options.sourcePath }], unlessExists: `${dir}/${pin.file}` });
  }
  let exitCode: number;
  try {
    const result = await engine.containers.run(
      {
        image: options.toolchainTag,
        cmd: [...STAGE_COMMAND],
        env,
        network: "none",
        mounts: [
          { volume: `${options.volumePrefix}-sources`, target: "/sources" },
          { volume: `${options.volumePrefix}-work-${stage.name}-${options.toolchainKey.slice(0, 12)}`, target: "/work" },
          { volume: `${options.volumePrefix}-ccache`, target: "/ccache" },
        ],
        labels: { "levitate-docker.role": "stage", "levitate-docker.stage": stage.name, "levitate-docker.key": planned.key },
      },
      {
        inputs,
        onOutput: (chunk) => {
          log.write(chunk);
          split(chunk);
        },
        collectPath: "/out",
        collect: (tar) => extractOut(tar, into),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
    exitCode = finishedExitCode(result, `container ${options.toolchainTag}`);
  } catch (error) {
    await new Promise((resolve) => log.end(resolve));
    throw error;
  }
  await new Promise((resolve) => log.end(resolve));
  if (exitCode !== 0) throw new StageError(stage.name, exitCode, tail, options.logPath);
}
