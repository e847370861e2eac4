// The baseline: the same stage script in the same toolchain image with plain `docker` commands.
import { execa } from "execa";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLATFORM } from "../docker/platform.js";
import { BENCH_LABEL, benchChild } from "./interrupt.js";

/** What a person would run: the stage script, its outputs left in /out for `docker cp`. */
const DIRECT_COMMAND = ["sh", "-c", "mkdir -p /out && exec sh /in/stage.sh"] as const;

export interface DirectStage {
  readonly name: string;
  readonly image: string;
  readonly script: string;
  /** Host files copied into /in (name in /in -> host path). */
  readonly inputs: Readonly<Record<string, string>>;
  /**
   * The tarball. `inVolume`: the timed run finds it in the sources volume, as after a build that ran
   * the stage (put there untimed when it is not, as when the stage's artifact came from a cache).
   */
  readonly source: { readonly path: string; readonly sha256: string; readonly file: string; readonly inVolume?: boolean } | null;
  /** The invocation's environment, complete except JOBS. */
  readonly env: Readonly<Record<string, string>>;
  readonly volumePrefix: string;
  readonly toolchainKey: string;
  readonly outDir: string;
}

/** Work the bench waits on: stopped when the bench is interrupted (see interrupt.ts). */
const docker = (args: string[]) => execa("docker", args, { stdin: "ignore", ...benchChild });
/** Removal, which must run also after an interrupt. */
const dockerRemove = (id: string) => execa("docker", ["rm", "-f", id], { stdin: "ignore" }).catch(() => undefined);

/**
 * Times what a careful person would type to run one stage by hand: `docker create`, `docker cp`
 * of the inputs and the tarball, `docker start -a`, `docker cp` of /out, `docker rm`.
 */
export async function directRun(stage: DirectStage): Promise<number> {
  const staging = await mkdtemp(join(tmpdir(), `levitate-direct-${stage.name}-`));
  try {
    const inDir = join(staging, "in");
    const srcDir = join(staging, "src");
    await mkdir(inDir);
    await copyFile(stage.script, join(inDir, "stage.sh"));
    for (const [name, path] of Object.entries(stage.inputs)) {
      await mkdir(join(inDir, name, ".."), { recursive: true });
      await copyFile(path, join(inDir, name));
    }
    if (stage.source && !stage.source.inVolume) {
      await mkdir(srcDir);
      await copyFile(stage.source.path, join(srcDir, stage.source.file));
    }
    // The stage's whole environment (SRC, SOURCE_DATE_EPOCH, ... come from the stage table) plus JOBS.
    const env = Object.entries({ JOBS: "2", ...stage.env }).flatMap(([k, v]) => ["-e", `${k}=${v}`]);

    const sourcesVolume = `${stage.volumePrefix}-sources`;
    if (stage.source?.inVolume) await ensureSourceInVolume(stage.image, sourcesVolume, stage.source);

    const started = Date.now();
    const { stdout } = await docker([
      "create", "--platform", PLATFORM, "--network", "none", "--label", "levitate-docker=1", "--label", "levitate-docker.role=bench", "--label", BENCH_LABEL,
      "-v", `${sourcesVolume}:/sources`,
      "-v", `${stage.volumePrefix}-work-${stage.name}-${stage.toolchainKey.slice(0, 12)}:/work`,
      "-v", `${stage.volumePrefix}-ccache:/ccache`,
      ...env, stage.image, ...DIRECT_COMMAND,
    ]);
    const id = stdout.trim();
    try {
      await docker(["cp", inDir, `${id}:/in`]);
      if (stage.source && !stage.source.inVolume) await docker(["cp", srcDir, `${id}:/sources/${stage.source.sha256}`]);
      const run = await execa("docker", ["start", "-a", id], { reject: false, stdin: "ignore", ...benchChild });
      if (run.exitCode !== 0) throw new Error(`direct ${stage.name} failed (exit ${run.exitCode}):\n${String(run.stdout).slice(-2000)}\n${String(run.stderr).slice(-2000)}`);
      await mkdir(stage.outDir, { recursive: true });
      await docker(["cp", `${id}:/out`, join(stage.outDir, stage.name)]);
      return Date.now() - started;
    } finally {
      await dockerRemove(id);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Untimed: copies the tarball into the sources volume unless it is there already. */
async function ensureSourceInVolume(image: string, volume: string, source: NonNullable<DirectStage["source"]>): Promise<void> {
  const target = `/sources/${source.sha256}/${source.file}`;
  const check = await execa("docker", ["run", "--rm", "--network", "none", "-v", `${volume}:/sources`, "--entrypoint", "test", image, "-f", target], { reject: false, stdin: "ignore", ...benchChild });
  if (check.exitCode === 0) return;
  const staging = await mkdtemp(join(tmpdir(), "levitate-direct-source-"));
  try {
    const carrier = join(staging, source.sha256);
    await mkdir(carrier);
    await copyFile(source.path, join(carrier, source.file));
    const { stdout } = await docker(["create", "--network", "none", "--label", "levitate-docker=1", "--label", "levitate-docker.role=bench", "--label", BENCH_LABEL, "-v", `${volume}:/sources`, image, "true"]);
    const id = stdout.trim();
    try {
      // Into /sources/: the directory <sha256> is made, or merged into when it exists.
      await docker(["cp", carrier, `${id}:/sources/`]);
    } finally {
      await dockerRemove(id);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
