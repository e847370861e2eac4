// The npm package on its own: `npm pack`, install the tarball into a temporary project, `init`, build and boot there.
import { execa } from "execa";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../orchestrator/docker/engine.js";
import { REPO, explain, runCli } from "../helpers/cli.js";
import type { CliResult } from "../helpers/cli.js";
import { openrcSkipReason, requireOpenrcTarball } from "../helpers/openrc-tarball.js";
import { removeWarmContainers } from "../helpers/test-volumes.js";

// The default (OpenRC) flavour needs OpenRC's tarball: skipped (saying why) only outside CI, like the OpenRC e2e.
const skip = openrcSkipReason();
if (skip !== null) process.stderr.write(`packed-install e2e: ${skip}\n`);

/** Put into the installed package's files (never the repository's), so the output shows which copy the CLI read. */
const MARKER = "stage script of the installed package (packed-install e2e)";
const CHECK_MARKER = "boot checks of the installed package (packed-install e2e)";

let scratch: string;
let packageDir: string;
let bin: string;
let project: string;
let env: Record<string, string | undefined>;

/** The installed bin, run from the new project: its own out/ and volume prefix, the shared artifact cache (the kernel is cached). */
async function installed(args: readonly string[]): Promise<CliResult> {
  const started = Date.now();
  const result = await execa(bin, args, { cwd: project, env, reject: false, stdin: "ignore", timeout: 1_500_000 });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), durationMs: Date.now() - started };
}

describe.skipIf(skip !== null)(`the packed package, installed into another project${skip === null ? "" : ` (${skip})`}`, () => {
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "levitate-packed-"));
    // dist/ is fresh (test:e2e compiles first); --ignore-scripts keeps pack from compiling it again.
    const packed = await execa("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", scratch], { cwd: REPO });
    const tarball = join(scratch, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    const consumer = join(scratch, "consumer");
    await mkdir(consumer);
    await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    // Dependencies come from npm's cache when it has them (`npm ci` of this repository filled it), else the registry.
    await execa("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--omit=dev", tarball], { cwd: consumer });
    packageDir = join(consumer, "node_modules", "levitate-docker");
    bin = join(consumer, "node_modules", ".bin", "levitate-docker");
    project = join(scratch, "my-os");
    env = {
      ...process.env,
      CI: "true",
      LEVITATE_VOLUME_PREFIX: "lvpack",
      LEVITATE_OUT: undefined,
      LEVITATE_PROFILE: undefined,
      LEVITATE_MIRROR: dirname(requireOpenrcTarball()),
    };
  }, 600_000);
  afterAll(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    // Its builds keep an iso container warm for the next one: there is none.
    await removeWarmContainers(createEngine(), "lvpack");
  });

  it("holds what the CLI reads from its own package, and nothing of the repository's tests but the boot checks", async () => {
    for (const path of ["dist/cli/main.js", "images/stages/linux.sh", "images/stages/iso.sh", "Dockerfile.toolchain", "config/levitate.schema.json", "tests/boot/basic.yaml"]) {
      expect(existsSync(join(packageDir, path)), path).toBe(true);
    }
    expect((await readdir(join(packageDir, "tests"))).sort()).toEqual(["boot"]);
    expect(existsSync(join(packageDir, "node_modules", "vitest")) || existsSync(join(scratch, "consumer", "node_modules", "vitest"))).toBe(false);
    const version = await execa(bin, ["--version"]);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("init writes a project outside the repository that builds (kernel from the cache) and boots with the installed bin, from the package's own files", async () => {
    const init = await execa(bin, ["init", project], { cwd: scratch, env, reject: false });
    expect(init.exitCode, init.stderr).toBe(0);
    // The same fragment bytes as this repository's: the kernel's cache key is the same, so it is not rebuilt.
    expect(await readFile(join(project, "linux", "levitate.config"), "utf8")).toBe(await readFile(join(REPO, "linux", "levitate.config"), "utf8"));

    // Marks in the installed package's copies: the output must show them, so neither the repository's copies nor anything else was read.
    const script = join(packageDir, "images", "stages", "iso.sh");
    await writeFile(script, (await readFile(script, "utf8")).replace(/^set -eu$/m, `set -eu\necho "iso: ${MARKER}"`));
    await appendFile(join(packageDir, "tests", "boot", "basic.yaml"), `  - name: ${CHECK_MARKER}\n    run: echo marked\n    expect:\n      output: marked\n`);

    // The kernel under this repository's own key, in the shared cache: built here only when nothing
    // before (an earlier run, another test) built it since the key last changed. The installed
    // package then finding it cached shows it computes the same key from its own files.
    const own = await runCli(["build", "linux", "--profile", "offline", "--plain"], { env: { LEVITATE_OUT: join(scratch, "repository-out"), LEVITATE_PROFILE: undefined } });
    expect(own.exitCode, explain(own)).toBe(0);
    const built = await installed(["build", "--profile", "offline", "--plain"]);
    expect(built.exitCode, explain(built)).toBe(0);
    expect(built.stderr, explain(built)).toMatch(/linux: cached/);
    for (const file of ["levitate.iso", "bzImage", "initramfs.cpio.gz", "metadata.json"]) expect(existsSync(join(project, "out", file)), file).toBe(true);
    // The marked iso.sh has one key on every run, so a machine that ran this before has it cached: run the stage for its log.
    const iso = await installed(["build", "iso", "--force", "--profile", "offline", "--plain"]);
    expect(iso.exitCode, explain(iso)).toBe(0);
    expect(await readFile(join(project, "out", "logs", "iso.log"), "utf8")).toContain(MARKER);

    const tested = await installed(["test", "--profile", "offline", "--junit", "out/junit.xml"]);
    expect(tested.exitCode, explain(tested)).toBe(0);
    expect(tested.stdout).toMatch(/uname -r: 6\.\d+\.\d+/);
    expect(tested.stdout).toMatch(/ok +service hello \(default\) is started/);
    expect(tested.stdout).toMatch(new RegExp(`ok +${CHECK_MARKER.replace(/[()]/g, "\\$&")}`));
    expect(await readFile(join(project, "out", "junit.xml"), "utf8")).toMatch(/<testsuite [^>]*failures="0"/);
    console.log(`packed-install e2e: RAN: npm pack, installed into ${scratch}, init, build (${built.durationMs} ms), test (${tested.durationMs} ms)`);
  });
});
