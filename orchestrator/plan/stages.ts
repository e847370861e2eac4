// The stages, their order and what each takes in: the shape of every build.
import type { Flavour } from "../config/types.js";

export type StageName = "linux" | "busybox" | "openrc" | "initramfs" | "iso";
export const ALL_STAGES: readonly StageName[] = ["busybox", "openrc", "initramfs", "linux", "iso"];

export interface StageShape {
  readonly name: StageName;
  /** Stages whose artifacts this one takes in. */
  readonly needs: readonly StageName[];
  /** container: runs images/stages/<name>.sh in the toolchain image; host: TypeScript in this process. */
  readonly where: "container" | "host";
  /** Files it leaves in its artifact directory. */
  readonly outputs: readonly string[];
}

const SHAPES: Record<StageName, StageShape> = {
  busybox: { name: "busybox", needs: [], where: "container", outputs: ["busybox", "applets.txt", "busybox.config"] },
  openrc: { name: "openrc", needs: [], where: "container", outputs: ["openrc.tar"] },
  initramfs: { name: "initramfs", needs: ["busybox", "openrc"], where: "host", outputs: ["initramfs.cpio.gz", "initramfs.listing"] },
  linux: { name: "linux", needs: [], where: "container", outputs: ["bzImage", "kernel.config", "kernel.release"] },
  iso: { name: "iso", needs: ["linux", "initramfs"], where: "container", outputs: ["levitate.iso"] },
};

/** The stages of a flavour, in execution order (dependencies first). */
export function stagesFor(flavour: Flavour): StageShape[] {
  return ALL_STAGES.filter((s) => flavour === "openrc" || s !== "openrc").map((name) => {
    const shape = SHAPES[name];
    return { ...shape, needs: shape.needs.filter((n) => flavour === "openrc" || n !== "openrc") };
  });
}

export function isStageName(value: string): value is StageName {
  return (ALL_STAGES as readonly string[]).includes(value);
}
