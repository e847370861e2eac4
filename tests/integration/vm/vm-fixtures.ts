// What the VM integration tests boot and run on: the real runner image and a built ISO or kernel, found or skipped loudly.
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

export const engine: Engine = createEngine();

/** A bzImage + initramfs (LEVITATE_TEST_KERNEL/LEVITATE_TEST_INITRAMFS, else out/), or null. */
export function kernelFiles(): { kernel: string; initramfs: string } | null {
  const kernel = process.env["LEVITATE_TEST_KERNEL"] ?? join(REPO, "out", "bzImage");
  const initramfs = process.env["LEVITATE_TEST_INITRAMFS"] ?? join(REPO, "out", "initramfs.cpio.gz");
  return existsSync(kernel) && existsSync(initramfs) ? { kernel, initramfs } : null;
}

/** LEVITATE_TEST_ISO, else out/levitate.iso, or null. */
export function isoFile(): string | null {
  const iso = process.env["LEVITATE_TEST_ISO"] ?? join(REPO, "out", "levitate.iso");
  return existsSync(iso) ? iso : null;
}

/** The ISO when there is one, else a direct kernel boot, else null. */
export function bootFiles(): VmBootFiles | null {
  const iso = isoFile();
  if (iso !== null) return { kind: "iso", iso };
  const k = kernelFiles();
  return k === null ? null : { kind: "kernel", ...k, append: "console=ttyS0 panic=-1" };
}

export const SKIP_NO_ISO =
  "SKIPPED: no LevitateOS build to boot. Run `levitate-docker build` (out/levitate.iso) or set LEVITATE_TEST_ISO, or LEVITATE_TEST_KERNEL + LEVITATE_TEST_INITRAMFS.";
export const SKIP_NO_KERNEL = "SKIPPED: no bzImage to boot. Run `levitate-docker build` (out/bzImage) or set LEVITATE_TEST_KERNEL + LEVITATE_TEST_INITRAMFS.";

/** Say why a suite is skipped, once, where a CI log shows it. */
export function announceSkip(message: string | null): boolean {
  // CI builds before these run: there a missing build is a failure, not a reason to skip.
  if (message !== null && process.env["LEVITATE_REQUIRE_BOOT"] === "1") throw new Error(`LEVITATE_REQUIRE_BOOT=1: ${message}`);
  if (message !== null) console.warn(message);
  return message !== null;
}

let runner: Promise<string> | undefined;

/** LEVITATE_TEST_RUNNER_IMAGE, else the runner image of the offline profile (built from images/qemu if absent). */
export function runnerImage(): Promise<string> {
  runner ??= (async () => {
    const fromEnv = process.env["LEVITATE_TEST_RUNNER_IMAGE"];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const config = await loadConfig({ cwd: REPO, profile: "offline" });
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
