// The boot baseline: `docker run` of the QEMU runner image on the built ISO, timed to the first shell prompt.
import { execa } from "execa";
import { dirname } from "node:path";
import { plainText } from "../vm/console-text.js";
import { BENCH_LABEL, benchChild } from "./interrupt.js";
import { qemuCommand } from "../vm/qemu-command.js";
import type { Accelerator } from "../vm/qemu-command.js";
import type { VmNetwork } from "../vm/network.js";
import { VM_DIR } from "../vm/vm-paths.js";

export interface DirectBoot {
  readonly runnerImage: string;
  /** The ISO on the host; its directory is bind-mounted read-only at /vm. */
  readonly iso: string;
  readonly accel: Accelerator;
  /** As `test` boots it: the config's vm.memory, and its default network (a virtio NIC on QEMU's user networking). */
  readonly memory: string;
  readonly network: VmNetwork;
  readonly timeoutMs: number;
}

/** What a careful person would type: `docker run -i --rm -v out:/vm:ro runner qemu-system-x86_64 ...`, stopped at the prompt. */
export async function directBoot(boot: DirectBoot): Promise<number> {
  const name = `levitate-bench-boot-${process.pid}-${Date.now()}`;
  const qemu = qemuCommand({ accel: boot.accel, boot: { kind: "iso" }, memory: boot.memory, cpus: 1, uefi: false, network: boot.network });
  const started = Date.now();
  const child = execa(
    "docker",
    ["run", "-i", "--rm", "--name", name, "--network", "none", "--label", "levitate-docker=1", "--label", "levitate-docker.role=bench", "--label", BENCH_LABEL,
      "-v", `${dirname(boot.iso)}:${VM_DIR}:ro`, boot.runnerImage, ...qemu],
    { reject: false, stdin: "pipe", buffer: false, ...benchChild },
  );
  try {
    return await new Promise<number>((resolve, reject) => {
      let text = "";
      const timer = setTimeout(() => reject(new Error(`plain docker boot: no shell prompt within ${boot.timeoutMs / 1000} s:\n${text.slice(-1500)}`)), boot.timeoutMs);
      child.stdout?.on("data", (chunk: Buffer) => {
        text += plainText(chunk.toString("utf8"));
        if (/# $/.test(text)) {
          clearTimeout(timer);
          resolve(Date.now() - started);
        }
      });
      void child.then((result) => {
        clearTimeout(timer);
        reject(new Error(`plain docker boot ended (exit ${result.exitCode}) before a shell prompt:\n${text.slice(-1500)}`));
      });
    });
  } finally {
    await execa("docker", ["rm", "-f", name], { reject: false });
    child.kill();
    await child.catch(() => undefined);
  }
}
