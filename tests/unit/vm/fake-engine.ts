// An in-memory Engine for the VM layer's pure logic: records calls, runs scripted containers, no Docker.
import type { Readable } from "node:stream";
import type {
  AttachedStreams,
  ContainerSpec,
  ContainerSummary,
  Engine,
  EngineInfo,
  RunOptions,
  RunResult,
} from "../../../orchestrator/docker/types.js";
import { InterruptedError } from "../../../orchestrator/errors/errors.js";

/** What a scripted `run` does: print chunks, then exit, or hang until aborted. */
export type RunScript = (spec: ContainerSpec, options: RunOptions) => Promise<RunResult>;

export interface FakeContainer {
  readonly id: string;
  readonly name: string;
  readonly spec: ContainerSpec;
  running: boolean;
  readonly labels: Record<string, string>;
}

export class FakeEngine implements Engine {
  readonly runId = "test-run";
  readonly runs: ContainerSpec[] = [];
  readonly containers = new Map<string, FakeContainer>();
  infoCalls = 0;
  script: RunScript = async () => ({ exitCode: 0, containerId: "c" });

  constructor(private readonly engineId = "ENGINE-1") {}

  async info(): Promise<EngineInfo> {
    this.infoCalls += 1;
    return {
      id: this.engineId,
      name: "fakehost",
      serverVersion: "20.10",
      apiVersion: "1.41",
      os: "Debian",
      kernel: "6.1",
      cpus: 2,
      memoryBytes: 1,
      storageDriver: "overlay2",
      dockerRootDir: "/var/lib/docker",
      endpoint: "unix:///var/run/docker.sock",
    };
  }

  async run(spec: ContainerSpec, options: RunOptions = {}): Promise<RunResult> {
    this.runs.push(spec);
    return this.script(spec, options);
  }

  async start(spec: ContainerSpec): Promise<string> {
    const name = spec.name ?? `c${this.containers.size}`;
    if (this.containers.has(name)) throw new Error(`a container named ${name} already exists`);
    const labels = { "levitate-docker": "1", "levitate-docker.role": "stage", ...spec.labels };
    this.containers.set(name, { id: `id-${name}`, name, spec, running: true, labels });
    return `id-${name}`;
  }

  async inspect(nameOrId: string) {
    const c = this.find(nameOrId);
    if (c === undefined) return null;
    return { id: c.id, name: c.name, running: c.running, exitCode: c.running ? null : 0, labels: c.labels, startedAt: "", finishedAt: "" };
  }

  async list(labels: Readonly<Record<string, string>>): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((c) => Object.entries(labels).every(([k, v]) => (v === "" ? k in c.labels : c.labels[k] === v)))
      .map((c) => ({ id: c.id, name: c.name, image: c.spec.image, state: c.running ? "running" : "exited", status: "", labels: c.labels, created: 0 }));
  }

  async stop(nameOrId: string): Promise<void> {
    const c = this.find(nameOrId);
    if (c) c.running = false;
  }

  async kill(nameOrId: string): Promise<void> {
    await this.stop(nameOrId);
  }

  async remove(nameOrId: string): Promise<void> {
    const c = this.find(nameOrId);
    if (c) this.containers.delete(c.name);
  }

  private find(nameOrId: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.name === nameOrId || c.id === nameOrId);
  }

  // Not used by the logic under test: fail loudly if that changes.
  imageId(): Promise<string | null> {
    return unused("imageId");
  }
  buildImage(): Promise<string> {
    return unused("buildImage");
  }
  removeImage(): Promise<void> {
    return unused("removeImage");
  }
  listImages(): Promise<never> {
    return unused("listImages");
  }
  async ensureVolume(): Promise<void> {}
  async volumeExists(): Promise<boolean> {
    return true;
  }
  removeVolume(): Promise<void> {
    return unused("removeVolume");
  }
  listVolumes(): Promise<never> {
    return unused("listVolumes");
  }
  attach(): Promise<AttachedStreams> {
    return unused("attach");
  }
  logs(): Promise<Readable> {
    return unused("logs");
  }
  wait(): Promise<number> {
    return unused("wait");
  }
  getArchive(): Promise<Readable> {
    return unused("getArchive");
  }
}

function unused(name: string): Promise<never> {
  return Promise.reject(new Error(`FakeEngine.${name} is not scripted`));
}

/** A container that prints `chunks` (with a small delay each) and exits, or hangs until aborted when `exitCode` is null. */
export function printingContainer(chunks: readonly string[], exitCode: number | null, delayMs = 5): RunScript {
  return async (_spec, options) => {
    for (const chunk of chunks) {
      if (options.signal?.aborted) throw new InterruptedError("SIGINT");
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      options.onOutput?.(Buffer.from(chunk), "stdout");
    }
    if (exitCode !== null && !options.signal?.aborted) return { exitCode, containerId: "c" };
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener("abort", () => resolve(), { once: true });
    });
    throw new InterruptedError("SIGINT");
  };
}

