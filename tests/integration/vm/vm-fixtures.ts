// What the VM integration tests boot and run on: the real runner image and a minimal ISO built for the importing test file.
//
// Importing this module builds the minimal flavour (offline profile) in a throwaway project copy of its own
// (tests/helpers/minimal-build.ts; under a second when the shared artifact cache holds the kernel and BusyBox).
// Nothing is read from the repository's out/ and nothing depends on what another test left behind; a failed
// build fails the importing file (no skip). The copy and its volumes are removed when the run ends.
//
//   const boot = bootFiles();                     // VmBootFiles { kind: "iso", iso } for startVm / bootTest / runInteractive
//   const { kernel, initramfs } = kernelFiles();  // the same build's bzImage and initramfs (direct kernel boot, KVM canary)
//   const image = await runnerImage();            // the QEMU runner image (built once if absent)
//   engine                                        // a client of the real engine
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import ts from "typescript";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import type { Engine } from "../../../orchestrator/docker/types.js";
import { ensureImage } from "../../../orchestrator/toolchain/ensure-image.js";
import { runnerRecipe } from "../../../orchestrator/toolchain/recipes.js";
import type { VmBootFiles } from "../../../orchestrator/vm/vm-spec.js";
import { REPO } from "../../helpers/cli.js";
import { buildMinimal } from "../../helpers/minimal-build.js";

export const engine: Engine = createEngine();

const build = await buildMinimal("vm");

/** The bzImage and initramfs of this file's build. */
export function kernelFiles(): { kernel: string; initramfs: string } {
  return { kernel: build.bzImage, initramfs: build.initramfs };
}

/** The ISO of this file's build. */
export function isoFile(): string {
  return build.iso;
}

/** The ISO of this file's build, as a VM boots it. */
export function bootFiles(): VmBootFiles {
  return { kind: "iso", iso: build.iso };
}

/** Kept for suites written when a build could be missing; bootFiles() now always has one, so nothing skips for that. */
export const SKIP_NO_ISO = "SKIPPED: no LevitateOS build to boot";

/** Says why a suite is skipped, once, where a CI log shows it; true when it is. */
export function announceSkip(message: string | null): boolean {
  if (message !== null) console.warn(message);
  return message !== null;
}

let runner: Promise<string> | undefined;

/** LEVITATE_TEST_RUNNER_IMAGE, else the runner image of the offline profile (built from images/qemu if absent). */
export function runnerImage(): Promise<string> {
  runner ??= (async () => {
    const fromEnv = process.env["LEVITATE_TEST_RUNNER_IMAGE"];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const config = await loadConfig({ cwd: build.project.dir, profile: "offline", env: { ...process.env, ...build.project.env } });
    const recipe = await runnerRecipe(config);
    await ensureImage(engine, recipe);
    return recipe.tag;
  })();
  return runner;
}

let compiled: Promise<string> | undefined;

/**
 * The orchestrator transpiled to plain JS in a temp directory, so a separate `node` process can
 * call the VM functions the way a later CLI invocation would. Returns that directory.
 */
export function compiledOrchestrator(): Promise<string> {
  compiled ??= (async () => {
    const out = join(tmpdir(), `levitate-vm-it-${process.pid}`);
    const src = join(REPO, "orchestrator");
    for (const file of await walk(src)) {
      if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
      const js = ts.transpileModule(await readFile(file, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      }).outputText;
      const target = join(out, relative(src, file)).replace(/\.ts$/, ".js");
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, js);
    }
    await writeFile(join(out, "package.json"), '{"type":"module"}\n');
    if (!existsSync(join(out, "node_modules"))) await symlink(join(REPO, "node_modules"), join(out, "node_modules"));
    return out;
  })();
  return compiled;
}

export async function removeCompiled(): Promise<void> {
  if (compiled === undefined) return;
  const dir = await compiled;
  compiled = undefined;
  await rm(dir, { recursive: true, force: true });
}

async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else files.push(full);
  }
  return files;
}
