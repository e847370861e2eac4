// Leases as named containers: the name makes them exclusive engine-wide, an attached stdin makes them die with their holder.
//
// A lease is a container named after the lock, running `cat` with stdin open and StdinOnce set.
// Its holder attaches to stdin before starting it; when the holder ends in any way (exit, kill -9,
// a dropped SSH session) the engine sees the attach connection close, closes the container's
// stdin, and `cat` exits. So "running" means "the holder is alive", for a holder on any host and
// with a remote engine, where a lock file in a host directory would protect one host only.
import type Docker from "dockerode";
import type { Duplex } from "node:stream";
import type { HeldLease, LeaseBackend, LeaseHolder } from "../ownership/lease.js";
import { ROLE_LEASE } from "../ownership/lease.js";
import { statusOf } from "./docker-errors.js";
import { resourceLabels } from "./labels.js";
import { hardenedHostConfig } from "./hardening.js";

/**
 * Limits of a lease container. `cat` needs one process and next to no memory, but the runtime's own
 * Go process (runc init) runs in the container's cgroup before `cat` starts, and its threads count
 * against the pids limit: with 4 pids and 16 MiB, 3 of 400 starts failed on a loaded machine
 * ("cannot start a stopped process": the init died before the start), with these none of 340.
 */
export const LEASE_LIMITS = { memoryBytes: 64 * 1024 * 1024, pidsLimit: 32 } as const;

export class ContainerLeases implements LeaseBackend {
  constructor(
    private readonly connect: () => Promise<Docker>,
    private readonly runId: string,
    /** An image on the engine that has `cat` (the toolchain or the runner image). */
    private readonly image: string,
  ) {}

  async tryTake(name: string, labels: Readonly<Record<string, string>>): Promise<HeldLease | null> {
    let container: Docker.Container;
    try {
      container = await (await this.connect()).createContainer({
        name,
        Image: this.image,
        Entrypoint: ["cat"],
        Cmd: [],
        User: "65534:65534",
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        Labels: resourceLabels(this.runId, ROLE_LEASE, labels),
        NetworkDisabled: true,
        HostConfig: { ...hardenedHostConfig(LEASE_LIMITS), NetworkMode: "none", ReadonlyRootfs: true },
      });
    } catch (error) {
      if (statusOf(error) === 409) return null;
      throw error;
    }
    let stream: Duplex | null = null;
    try {
      stream = (await container.attach({ stream: true, stdin: true, hijack: true })) as unknown as Duplex;
      stream.on("error", () => undefined);
      // The connection must not keep the process alive: the holder releases the lease, or dies.
      (stream as Duplex & { unref?: () => void }).unref?.();
      await container.start();
    } catch (error) {
      stream?.destroy();
      await container.remove({ force: true }).catch(() => undefined);
      if (statusOf(error) === 404) return null;
      throw error;
    }
    return {
      name,
      release: async () => {
        stream?.destroy();
        // Gone already (404), or the engine itself is gone (no HTTP status): then the lease container
        // ended with it, and the next command's reaper removes it as a lock whose holder ended.
        await container.remove({ force: true }).catch((error: unknown) => {
          const status = statusOf(error);
          if (status !== 404 && status !== undefined) throw error;
        });
      },
    };
  }

  async look(name: string): Promise<LeaseHolder | null> {
    try {
      const info = await (await this.connect()).getContainer(name).inspect();
      return { id: info.Id, state: info.State.Status, createdMs: Date.parse(info.Created), labels: info.Config.Labels ?? {} };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async breakLease(id: string): Promise<void> {
    try {
      await (await this.connect()).getContainer(id).remove({ force: true });
    } catch (error) {
      // 409: its holder is removing it right now (a release racing the take-over); let that finish.
      if (statusOf(error) === 409) await new Promise((resolve) => setTimeout(resolve, 200));
      else if (statusOf(error) !== 404) throw error;
    }
  }
}
