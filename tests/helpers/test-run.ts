// Vitest globalSetup of the e2e and integration projects: a run directory for throwaway projects, removed at the end
// with their volumes, and a check that the run left the repository's out/ exactly as it found it.
import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { createEngine } from "../../orchestrator/docker/engine.js";
import { REPO } from "./cli.js";
import type { TestRun } from "./project-copy.js";
import { removeVolumesWithPrefix } from "./test-volumes.js";

const REPO_OUT = join(REPO, "out");

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const before = await snapshot(REPO_OUT);
  const run: TestRun = {
    dir: await mkdtemp(join(tmpdir(), "levitate-tests-")),
    volumePrefix: `lvt-${randomBytes(3).toString("hex")}`,
  };
  // Traversable like tmpdir() itself: some tests run the CLI as another user on a copy inside it.
  await chmod(run.dir, 0o755);
  project.provide("levitateTestRun", run);
  return async () => {
    const changed = compare(before, await snapshot(REPO_OUT));
    if (changed.length > 0) {
      // Vitest only logs a teardown's error ("error during close"); the exit code is what makes the run fail.
      process.exitCode = 1;
      console.error(
        `the tests changed the repository's out/ (${REPO_OUT}): ${changed.slice(0, 20).join(", ")}${changed.length > 20 ? ", …" : ""}. ` +
          "Tests build in a throwaway project (copyProject() in tests/helpers/project-copy.ts), never in the repository.",
      );
    }
    await removeVolumesWithPrefix(createEngine(), run.volumePrefix).catch((error: unknown) =>
      console.warn(`test run: volumes ${run.volumePrefix}-* not removed: ${String(error)}`),
    );
    await rm(run.dir, { recursive: true, force: true });
  };
}

/** Every entry under dir with its type, size, inode and mtime (so a rewrite with the same bytes counts too); null when dir is absent. */
async function snapshot(dir: string): Promise<Map<string, string> | null> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const state = new Map<string, string>();
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    const stat = await lstat(path);
    state.set(path.slice(dir.length + 1), `${entry.isDirectory() ? "dir" : stat.size} ino ${stat.ino} mtime ${stat.mtimeMs}`);
  }
  return state;
}

function compare(before: Map<string, string> | null, after: Map<string, string> | null): string[] {
  if (before === null && after === null) return [];
  if (before === null) return [`out/ was created (${after!.size} entries)`];
  if (after === null) return ["out/ was removed"];
  const changed: string[] = [];
  for (const [path, state] of after) {
    if (!before.has(path)) changed.push(`out/${path} added`);
    else if (before.get(path) !== state) changed.push(`out/${path} changed`);
  }
  for (const path of before.keys()) if (!after.has(path)) changed.push(`out/${path} removed`);
  return changed;
}
