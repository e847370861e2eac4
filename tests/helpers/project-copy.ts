// A temporary copy of config/ and linux/ with its own out dir, volume prefix and (optionally) cache, so tests never touch the repo's.
//
//   const project = await copyProject("my-test", { sharedCache: true });
//   const built = await project.cli(["build", "--minimal", "--profile", "offline"]);   // cwd and env of the copy
//   ... project.out, project.configFile, project.env (for execa or runCli of your own) ...
//   await project.dispose();   // removes the directory and the volumes of its prefix
//
// Under the e2e and integration projects the copy lives in the run's directory (tests/helpers/test-run.ts),
// so whatever a failing test leaves there, volumes of its prefix included, is removed when the run ends.
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { createEngine } from "../../orchestrator/docker/engine.js";
import { REPO, runCli } from "./cli.js";
import type { CliOptions, CliResult } from "./cli.js";
import { removeVolumesWithPrefix } from "./test-volumes.js";

export interface ProjectCopy {
  readonly dir: string;
  readonly configFile: string;
  readonly cache: string;
  readonly out: string;
  /** LEVITATE_VOLUME_PREFIX of this copy: stage work volumes never meet another build's. */
  readonly volumePrefix: string;
  /** LEVITATE_CACHE, LEVITATE_OUT, LEVITATE_MIRROR and LEVITATE_VOLUME_PREFIX of this copy. */
  readonly env: Record<string, string>;
  /** The real CLI run inside the copy (cwd = dir, env = this env plus options.env), the way a user runs it there. */
  cli(args: readonly string[], options?: CliOptions): Promise<CliResult>;
  dispose(): Promise<void>;
}

let copies = 0;

/** The repo's mirror (where scripts/prepare-offline.sh puts tarballs) stays visible through LEVITATE_MIRROR. */
export async function copyProject(label: string, options: { sharedCache?: boolean } = {}): Promise<ProjectCopy> {
  const run = testRun();
  const dir = await mkdtemp(join(run?.dir ?? tmpdir(), `levitate-${label}-`));
  await cp(join(REPO, "config"), join(dir, "config"), { recursive: true });
  await cp(join(REPO, "linux"), join(dir, "linux"), { recursive: true });
  const home = process.env.LEVITATE_CACHE ?? join(process.env.HOME ?? "/root", ".cache", "levitate-docker");
  const cache = options.sharedCache ? home : join(dir, "cache");
  const out = join(dir, "out");
  copies += 1;
  const stem = run?.volumePrefix ?? `lvt-${process.pid.toString(36)}`;
  const volumePrefix = `${stem}-${label.replace(/[^a-zA-Z0-9_.-]/g, "-")}-${copies}`;
  const env = {
    LEVITATE_CACHE: cache,
    LEVITATE_OUT: out,
    LEVITATE_MIRROR: process.env.LEVITATE_MIRROR ?? join(home, "mirror"),
    LEVITATE_VOLUME_PREFIX: volumePrefix,
  };
  return {
    dir,
    configFile: join(dir, "config", "levitate.yaml"),
    cache,
    out,
    volumePrefix,
    env,
    cli: (args, cliOptions = {}) => runCli(args, { ...cliOptions, cwd: dir, env: { ...env, ...cliOptions.env } }),
    dispose: async () => {
      await rm(dir, { recursive: true, force: true });
      // An engine a test stopped on purpose is no reason to fail here: the run's end removes the volumes again.
      await removeVolumesWithPrefix(createEngine(), volumePrefix).catch((error: unknown) =>
        console.warn(`copyProject(${label}): volumes ${volumePrefix}-* not removed yet: ${String(error)}`),
      );
    },
  };
}

/** What tests/helpers/test-run.ts provides to the e2e and integration projects (absent elsewhere). */
export interface TestRun {
  /** A temporary directory removed when the run ends. */
  readonly dir: string;
  /** Every copy's volume prefix starts with this; the run's end removes those volumes. */
  readonly volumePrefix: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    levitateTestRun: TestRun;
  }
}

function testRun(): TestRun | undefined {
  return inject("levitateTestRun") as TestRun | undefined;
}

/** Every file under dir (relative paths), for "nothing half-written was left" assertions. */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
  } catch {
    return [];
  }
}
