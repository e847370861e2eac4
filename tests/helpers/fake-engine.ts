// An in-memory Engine for unit tests: records calls, keeps images, volumes and containers in maps, runs scripted containers.
import type { LeaseBackend, LeaseHolder } from "../../orchestrator/ownership/lease.js";
import type { Readable } from "node:stream";
import type {
  AttachedStreams,
  ContainerClient,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  Engine,
  EngineInfo,
  ImageClient,
  ImageSummary,
  RunOptions,
  RunResult,
  VolumeClient,
} from "../../orchestrator/docker/types.js";
import { cancelReasonOf } from "../../orchestrator/errors/errors.js";

/** What a scripted `run` does: print chunks, then exit, or hang until aborted. */
export type RunScript = (spec: ContainerSpec, options: RunOptions) => Promise<RunResult>;

export interface FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly spec: ContainerSpec;
  running: boolean;
  readonly labels: Record<string, string>;
}

/** A finished run's result; `extra` overrides (a timeout, a cancel). */
export function runResult(exitCode: number | null, extra: Partial<RunResult> = {}): RunResult {
  return { containerId: "c", exitCode, signal: null, timedOut: false, cancelled: false, cancelReason: null, durationMs: 1, ...extra };
}

export class FakeEngine implements Engine {
  readonly runId = "test-run";
  /** Every spec given to containers.run, in order. */
  readonly runs: ContainerSpec[] = [];
  /** Long-lived containers (containers.start), by name. */
  readonly created = new Map<string, FakeContainer>();
  readonly imageStore = new Map<string, ImageSummary>();
  readonly volumeStore = new Map<string, Record<string, string>>();
  /** What was removed, as "container NAME", "volume NAME", "image ID". */
  readonly removed: string[] = [];
  /** Names of the containers made ahead (containers.prepare), in order; they run through containers.run. */
  readonly prepared: string[] = [];
  /** containers.warm calls (name of the spec and idleSeconds), in order, when `offerWarm` is set; they run through containers.run. */
  readonly warmed: { name: string; idleSeconds: number }[] = [];
  infoCalls = 0;
  script: RunScript = async () => runResult(0);
  readonly images: ImageClient;
  readonly volumes: VolumeClient;
  readonly containers: ContainerClient;

  /** Leases by name (held by this process until released). */
  readonly leaseStore = new Map<string, LeaseHolder>();

  leases(): LeaseBackend {
    const store = this.leaseStore;
    return {
      async tryTake(name, labels) {
        if (store.has(name)) return null;
        const id = `lease-${store.size + 1}`;
        store.set(name, { id, state: "running", createdMs: Date.now(), labels });
        return { name, release: async () => void (store.get(name)?.id === id && store.delete(name)) };
      },
      look: async (name) => store.get(name) ?? null,
      async breakLease(id) {
        for (const [name, holder] of store) if (holder.id === id) store.delete(name);
      },
    };
  }

  async reapOrphans(): Promise<void> {}

  /** `offerWarm`: the containers client has `warm` (a real engine's does; without it the build uses `prepare`). */
  constructor(
    private readonly engineId = "ENGINE-1",
    options: { readonly offerWarm?: boolean } = {},
  ) {
    this.images = this.imageClient();
    this.volumes = this.volumeClient();
    this.containers = this.containerClient(options.offerWarm === true);
  }

  async info(): Promise<EngineInfo> {
    this.infoCalls += 1;
    return {
      id: this.engineId,
      name: "fakehost",
      serverVersion: "20.10",
      apiVersion: "1.41",
      os: "Debian",
      architecture: "x86_64",
      kernel: "6.1",
      cpus: 2,
      memoryBytes: 2 ** 33,
      storageDriver: "overlay2",
      dockerRootDir: "/var/lib/docker",
      endpoint: "unix:///var/run/docker.sock",
    };
  }

  private imageClient(): ImageClient {
    return {
      id: async (ref) => [...this.imageStore.values()].find((i) => i.id === ref || i.tags.includes(ref))?.id ?? null,
      build: async (options) => {
        const id = `sha256:${options.tag}`;
        this.imageStore.set(id, { id, tags: [options.tag], sizeBytes: 1, labels: { "levitate-docker": "1", ...options.labels } });
        return id;
      },
      remove: async (ref) => {
        const id = await this.images.id(ref);
        if (id !== null && this.imageStore.delete(id)) this.removed.push(`image ${id}`);
      },
      list: async (labels) => [...this.imageStore.values()].filter((i) => matches(i.labels, labels)),
      tag: async (source, target) => {
        const image = [...this.imageStore.values()].find((i) => i.id === source || i.tags.includes(source));
        if (image === undefined) throw new Error(`no such image: ${source}`);
        this.imageStore.set(image.id, { ...image, tags: [...image.tags, target] });
      },
      push: async () => undefined,
      pull: async () => undefined,
    };
  }

  private volumeClient(): VolumeClient {
    return {
      ensure: async (name, labels = {}) => {
        if (!this.volumeStore.has(name)) this.volumeStore.set(name, { "levitate-docker": "1", ...labels });
      },
      exists: async (name) => this.volumeStore.has(name),
      remove: async (name) => {
        if (this.volumeStore.delete(name)) this.removed.push(`volume ${name}`);
      },
      list: async (labels) => [...this.volumeStore].filter(([, l]) => matches(l, labels)).map(([name, l]) => ({ name, labels: l })),
    };
  }

  private containerClient(offerWarm: boolean): ContainerClient {
    const find = (nameOrId: string) => [...this.created.values()].find((c) => c.name === nameOrId || c.id === nameOrId);
    return {
      run: async (spec, options = {}) => {
        this.runs.push(spec);
        for (const mount of spec.mounts ?? []) await this.volumes.ensure(mount.volume);
        return this.script(spec, options);
      },
      prepare: async (spec) => {
        const name = spec.name ?? `prepared-${this.prepared.length}`;
        this.prepared.push(name);
        let used = false;
        return {
          run: async (options = {}) => {
            used = true;
            return this.containers.run(spec, options);
          },
          discard: async () => {
            if (used) return;
            used = true;
            this.removed.push(`container ${name}`);
          },
        };
      },
      ...(offerWarm
        ? {
            warm: async (spec: ContainerSpec, warmOptions: { readonly idleSeconds: number }) => {
              this.warmed.push({ name: spec.name ?? "warm", idleSeconds: warmOptions.idleSeconds });
              return { run: async (options: RunOptions = {}) => this.containers.run(spec, options), discard: async () => undefined };
            },
          }
        : {}),
      start: async (spec) => {
        const name = spec.name ?? `c${this.created.size}`;
        if (this.created.has(name)) throw new Error(`a container named ${name} already exists`);
        const labels = { "levitate-docker": "1", "levitate-docker.role": "stage", ...spec.labels };
        this.created.set(name, { id: `id-${name}`, name, spec, running: true, labels });
        return `id-${name}`;
      },
      inspect: async (nameOrId): Promise<ContainerState | null> => {
        const c = find(nameOrId);
        if (c === undefined) return null;
        return { id: c.id, name: c.name, image: c.spec.image, running: c.running, exitCode: c.running ? null : 0, labels: c.labels, startedAt: "", finishedAt: "" };
      },
      list: async (labels): Promise<ContainerSummary[]> =>
        [...this.created.values()]
          .filter((c) => matches(c.labels, labels))
          .map((c) => ({ id: c.id, name: c.name, image: c.spec.image, state: c.running ? "running" : "exited", status: "", labels: c.labels, created: 0 })),
      stop: async (nameOrId) => {
        const c = find(nameOrId);
        if (c) c.running = false;
      },
      kill: async (nameOrId) => this.containers.stop(nameOrId, 0),
      remove: async (nameOrId) => {
        const c = find(nameOrId);
        if (c && this.created.delete(c.name)) this.removed.push(`container ${c.name}`);
      },
      // Not used by the logic under test: fail loudly if that changes.
      attach: (): Promise<AttachedStreams> => unused("attach"),
      logs: (): Promise<Readable> => unused("logs"),
      wait: (): Promise<number> => unused("wait"),
      getArchive: (): Promise<Readable> => unused("getArchive"),
    };
  }
}

function matches(have: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([k, v]) => (v === "" ? k in have : have[k] === v));
}

function unused(name: string): Promise<never> {
  return Promise.reject(new Error(`FakeEngine.containers.${name} is not scripted`));
}

/**
 * A container that prints `chunks` (with a small delay each) and exits, or, when `exitCode` is null,
 * runs until cancelled or until its `timeoutMs` passes; either way reported in the result, as the real engine does.
 */
export function printingContainer(chunks: readonly string[], exitCode: number | null, delayMs = 5): RunScript {
  return async (_spec, options) => {
    const cancelled = () => runResult(null, { cancelled: true, cancelReason: cancelReasonOf(options.signal), signal: "SIGKILL" });
    for (const chunk of chunks) {
      if (options.signal?.aborted) return cancelled();
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      options.onOutput?.(Buffer.from(chunk), "stdout");
    }
    if (options.signal?.aborted) return cancelled();
    if (exitCode !== null) return runResult(exitCode);
    const timedOut = await new Promise<boolean>((resolve) => {
      const timer = options.timeoutMs === undefined ? null : setTimeout(() => resolve(true), options.timeoutMs);
      options.signal?.addEventListener("abort", () => {
        if (timer) clearTimeout(timer);
        resolve(false);
      }, { once: true });
    });
    return timedOut ? runResult(null, { timedOut: true, signal: "SIGKILL" }) : cancelled();
  };
}
