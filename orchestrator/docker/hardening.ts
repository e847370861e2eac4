// Least privilege for every container we create: no capabilities, no privilege escalation, bounded pids and memory.
import type Docker from "dockerode";

export interface Limits {
  readonly memoryBytes: number;
  readonly pidsLimit: number;
}

/** For containers whose spec names no limits (QEMU, helpers); stages take theirs from the config's `build:`. */
export const DEFAULT_LIMITS: Limits = { memoryBytes: 4 * 1024 ** 3, pidsLimit: 4096 };

/** The HostConfig part every container of ours shares; callers add mounts, devices and network. */
export function hardenedHostConfig(limits: Limits): Docker.HostConfig {
  return {
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    PidsLimit: limits.pidsLimit,
    Memory: limits.memoryBytes,
    // No swap beyond the memory limit: a runaway build fails instead of thrashing the host.
    MemorySwap: limits.memoryBytes,
    Privileged: false,
  };
}
