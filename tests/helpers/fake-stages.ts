// Container stages for the fake engine: each leaves the files it promises in /out, handed back as the stage command does (a tar on stdout).
import type { Readable } from "node:stream";
import { pack } from "tar-stream";
import type { ContainerSpec, RunOptions, RunResult } from "../../orchestrator/docker/types.js";
import { runResult } from "./fake-engine.js";
import type { RunScript } from "./fake-engine.js";

/** A file's content per stage; a function gets the container's env (so a test sees what the stage was told). */
export type StageFiles = Record<string, Record<string, string | Buffer | ((env: Readonly<Record<string, string>>) => string)>>;

export const DEFAULT_STAGE_FILES: StageFiles = {
  busybox: { busybox: "#!/bin/sh\n# not really busybox\n", "applets.txt": "bin/sh\nbin/ls\nsbin/init\nbin/mount\n", "busybox.config": "CONFIG_STATIC=y\n" },
  openrc: { "openrc.tar": () => emptyTar() },
  linux: { bzImage: (env) => `kernel ${env.KERNEL_VERSION}\n`, "kernel.config": "CONFIG_SERIAL_8250=y\n", "kernel.release": "6.1.1\n" },
  grub: { "grub.tar": () => emptyTar() },
  iso: { "levitate.iso": (env) => `iso ${env.ISO_LABEL} ${env.KERNEL_CMDLINE}\n` },
};

function emptyTar(): string {
  return "\0".repeat(1024);
}

/** Stage containers that print a line and leave `files[stage]` in /out (exit 0). */
export function stageContainers(files: StageFiles = DEFAULT_STAGE_FILES): RunScript {
  return async (spec: ContainerSpec, options: RunOptions): Promise<RunResult> => {
    const stage = spec.labels?.["levitate-docker.stage"] ?? "?";
    options.onOutput?.(Buffer.from(`building ${stage}\n`), "stderr");
    // What `tar -C /out -cf - .` writes.
    const tar = pack();
    tar.entry({ name: "./", type: "directory" });
    for (const [name, content] of Object.entries(files[stage] ?? {})) {
      const value = typeof content === "function" ? content(spec.env ?? {}) : content;
      tar.entry({ name: `./${name}`, mode: 0o644 }, typeof value === "string" ? Buffer.from(value, "binary") : value);
    }
    tar.finalize();
    await options.collectStdout?.(tar as unknown as Readable);
    return runResult(0);
  };
}
