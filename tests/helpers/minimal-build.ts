// The minimal flavour built for a test in its own throwaway project (shared artifact cache: under a second when
// the kernel and BusyBox are cached, one cold kernel build otherwise), so no test boots what another left in out/.
import { join } from "node:path";
import { explain } from "./cli.js";
import { copyProject } from "./project-copy.js";
import type { ProjectCopy } from "./project-copy.js";

export const MINIMAL_OFFLINE = ["--minimal", "--profile", "offline"] as const;

export interface MinimalBuild {
  readonly project: ProjectCopy;
  readonly iso: string;
  readonly bzImage: string;
  readonly initramfs: string;
}

/** Copies the project, runs `build --minimal --profile offline` there and returns its outputs; throws with the CLI's output on failure. */
export async function buildMinimal(label: string): Promise<MinimalBuild> {
  const project = await copyProject(label, { sharedCache: true });
  const built = await project.cli(["build", ...MINIMAL_OFFLINE, "--plain"]);
  if (built.exitCode !== 0) {
    await project.dispose();
    throw new Error(`building the minimal flavour for ${label} in ${project.dir} failed: ${explain(built)}`);
  }
  return {
    project,
    iso: join(project.out, "levitate.iso"),
    bzImage: join(project.out, "bzImage"),
    initramfs: join(project.out, "initramfs.cpio.gz"),
  };
}
