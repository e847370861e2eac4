// Least privilege for every container we create: no capabilities, no privilege escalation, bounded pids and memory.
import type Docker from "dockerode";

export interface Limits {
  readonly memoryBytes: number;
  readonly pidsLimit: number;
}

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
