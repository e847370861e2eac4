// The Docker engine behind the Engine interface: the one module that imports dockerode.
import Docker from "dockerode";
import { PassThrough } from "node:stream";
import type { Readable } from "node:stream";
import type { Duplex } from "node:stream";
import { InterruptedError, UserError } from "../errors/errors.js";
import { describeEndpoint, howToStartEngine } from "./endpoint.js";
import { buildImage } from "./build-image.js";
import { demuxBuffer, exists, modemOptions, statusOf } from "./dockerode-util.js";
import { labelFilter, newRunId, resourceLabels } from "./labels.js";
import { packInputs } from "./tar-inputs.js";
import type {
  AttachedStreams,
  BuildImageOptions,
  ContainerSpec,
  ContainerSummary,
  Engine,
  EngineInfo,
  RunOptions,
  RunResult,
} from "./types.js";
import { LABEL_ROLE } from "./types.js";

export interface CreateEngineOptions {
  readonly runId?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function createEngine(options: CreateEngineOptions = {}): Engine {
  return new DockerEngine(options.runId ?? newRunId(), options.env ?? process.env);
}

class DockerEngine implements Engine {
  readonly runId: string;
  private readonly docker: Docker;
  private readonly endpoint: ReturnType<typeof describeEndpoint>;
  private reachable: Promise<EngineInfo> | null = null;

  constructor(runId: string, env: NodeJS.ProcessEnv) {
    this.runId = runId;
    this.endpoint = describeEndpoint(env);
    try {
      this.docker = new Docker(modemOptions(env));
    } catch (error) {
      throw new UserError(`DOCKER_HOST is not usable: ${(error as Error).message}`, { cause: error });
    }
  }

  info(): Promise<EngineInfo> {
    this.reachable ??= this.loadInfo();
    return this.reachable;
  }

  private async loadInfo(): Promise<EngineInfo> {
    let raw: Record<string, unknown>;
    let version: Record<string, unknown>;
    try {
      raw = (await this.docker.info()) as Record<string, unknown>;
      version = (await this.docker.version()) as unknown as Record<string, unknown>;
    } catch (error) {
      this.reachable = null;
      const reason = (error as Error).message.split("\n")[0];
      throw new UserError(
        `cannot reach a Docker engine at ${this.endpoint.description} (${this.endpoint.source}): ${reason}`,
        { cause: error, details: howToStartEngine() },
      );
    }
    return {
      id: String(raw.ID ?? ""),
      name: String(raw.Name ?? ""),
      serverVersion: String(raw.ServerVersion ?? ""),
      apiVersion: String(version.ApiVersion ?? ""),
      os: String(raw.OperatingSystem ?? ""),
      kernel: String(raw.KernelVersion ?? ""),
      cpus: Number(raw.NCPU ?? 0),
      memoryBytes: Number(raw.MemTotal ?? 0),
      storageDriver: String(raw.Driver ?? ""),
      dockerRootDir: String(raw.DockerRootDir ?? ""),
      endpoint: this.endpoint.description,
    };
  }

  // --- images -------------------------------------------------------------
  async imageId(ref: string): Promise<string | null> {
    await this.info();
    try {
      const info = await this.docker.getImage(ref).inspect();
      return info.Id;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async buildImage(options: BuildImageOptions): Promise<string> {
    await this.info();
    await buildImage(this.docker, options);
    const id = await this.imageId(options.tag);
    if (id === null) throw new Error(`image ${options.tag} was built but cannot be found`);
    return id;
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async listImages(labels: Readonly<Record<string, string>>) {
    await this.info();
    const images = await this.docker.listImages({ filters: { label: labelFilter(labels) } });
    return images.map((i) => ({ id: i.Id, tags: i.RepoTags ?? [], sizeBytes: i.Size, labels: i.Labels ?? {} }));
  }

  // --- volumes ------------------------------------------------------------
  async ensureVolume(name: string, labels: Readonly<Record<string, string>> = {}): Promise<void> {
    if (await this.volumeExists(name)) return;
    await this.docker.createVolume({ Name: name, Labels: resourceLabels(this.runId, "cache", labels) });
  }

  async volumeExists(name: string): Promise<boolean> {
    await this.info();
    try {
      await this.docker.getVolume(name).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove({ force: true });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async listVolumes(labels: Readonly<Record<string, string>>) {
    await this.info();
    const result = await this.docker.listVolumes({ filters: { label: labelFilter(labels) } });
    return (result.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  // --- containers ---------------------------------------------------------
  private async create(spec: ContainerSpec): Promise<Docker.Container> {
    await this.info();
    for (const mount of spec.mounts ?? []) await this.ensureVolume(mount.volume);
    const role = spec.labels?.[LABEL_ROLE] ?? "stage";
    try {
      return await this.docker.createContainer({
        Image: spec.image,
        ...(spec.name === undefined ? {} : { name: spec.name }),
        Cmd: [...spec.cmd],
        ...(spec.entrypoint === undefined ? {} : { Entrypoint: [...spec.entrypoint] }),
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
        Labels: resourceLabels(this.runId, role, spec.labels ?? {}),
        Tty: spec.tty ?? false,
        OpenStdin: spec.openStdin ?? false,
        StdinOnce: false,
        AttachStdin: spec.openStdin ?? false,
        AttachStdout: true,
        AttachStderr: true,
        NetworkDisabled: spec.network === "none",
        HostConfig: {
          NetworkMode: spec.network === "bridge" ? "bridge" : spec.network,
          Mounts: (spec.mounts ?? []).map((m) => ({
            Type: "volume" as const,
            Source: m.volume,
            Target: m.target,
            ReadOnly: m.readOnly ?? false,
          })),
          Devices: (spec.devices ?? []).map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: "rwm" })),
          AutoRemove: spec.autoRemove ?? false,
          ...(spec.memoryBytes === undefined ? {} : { Memory: spec.memoryBytes }),
        },
      });
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new UserError(`image ${spec.image} is not on the engine`, { cause: error });
      }
      if (statusOf(error) === 409) {
        throw new UserError(`a container named ${spec.name} already exists`, { cause: error });
      }
      throw error;
    }
  }

  private async upload(container: Docker.Container, inputs: RunOptions["inputs"]): Promise<void> {
    for (const input of inputs ?? []) {
      if (input.unlessExists !== undefined && (await exists(container, input.unlessExists))) continue;
      const tar = packInputs(input.files, input.dir);
      await container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: "/" });
    }
  }

  async run(spec: ContainerSpec, options: RunOptions = {}): Promise<RunResult> {
    if (options.signal?.aborted) throw new InterruptedError("SIGINT");
    const container = await this.create(spec);
    let killedFor: "abort" | "timeout" | null = null;
    const kill = (why: "abort" | "timeout") => {
      killedFor ??= why;
      container.kill().catch(() => undefined);
    };
    const onAbort = () => kill("abort");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = options.timeoutMs === undefined ? null : setTimeout(() => kill("timeout"), options.timeoutMs);
    try {
      await this.upload(container, options.inputs);
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const ended = this.demux(stream, options.onOutput);
      if (options.signal?.aborted) throw new InterruptedError("SIGINT");
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      await ended;
      if (killedFor === "abort") throw new InterruptedError("SIGINT");
      if (killedFor === "timeout") {
        throw new UserError(`container ${spec.image} did not finish within ${Math.round(options.timeoutMs! / 1000)} s`);
      }
      if (StatusCode === 0 && options.collectPath !== undefined && options.collect !== undefined) {
        const tar = await container.getArchive({ path: options.collectPath });
        await options.collect(tar as unknown as Readable);
      }
      return { exitCode: StatusCode, containerId: container.id };
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      await container.remove({ force: true, v: false }).catch(() => undefined);
    }
  }

  private demux(stream: NodeJS.ReadWriteStream, onOutput: RunOptions["onOutput"]): Promise<void> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on("data", (chunk: Buffer) => onOutput?.(chunk, "stdout"));
    stderr.on("data", (chunk: Buffer) => onOutput?.(chunk, "stderr"));
    this.docker.modem.demuxStream(stream, stdout, stderr);
    return new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
  }

  async start(spec: ContainerSpec, options: Pick<RunOptions, "inputs"> = {}): Promise<string> {
    const container = await this.create(spec);
    try {
      await this.upload(container, options.inputs);
      await container.start();
      return container.id;
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
  }

  async attach(nameOrId: string): Promise<AttachedStreams> {
    await this.info();
    const container = this.docker.getContainer(nameOrId);
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as Duplex;
    const output = new PassThrough();
    const info = await container.inspect();
    if (info.Config.Tty) stream.pipe(output);
    else this.docker.modem.demuxStream(stream, output, output);
    stream.on("end", () => output.end());
    stream.on("close", () => output.end());
    return {
      stdin: stream,
      output,
      close: () => {
        stream.destroy();
        output.end();
      },
    };
  }

  async logs(nameOrId: string, options: { follow: boolean; since?: number }): Promise<Readable> {
    await this.info();
    const container = this.docker.getContainer(nameOrId);
    const output = new PassThrough();
    const info = await container.inspect();
    const common = { stdout: true, stderr: true, ...(options.since === undefined ? {} : { since: options.since }) };
    if (options.follow) {
      const stream = await container.logs({ ...common, follow: true });
      if (info.Config.Tty) stream.pipe(output);
      else {
        this.docker.modem.demuxStream(stream, output, output);
        stream.on("end", () => output.end());
      }
    } else {
      const buffer = (await container.logs({ ...common, follow: false })) as unknown as Buffer;
      if (info.Config.Tty) output.end(buffer);
      else output.end(demuxBuffer(buffer));
    }
    return output;
  }

  async inspect(nameOrId: string) {
    await this.info();
    try {
      const info = await this.docker.getContainer(nameOrId).inspect();
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ""),
        running: info.State.Running,
        exitCode: info.State.Running ? null : info.State.ExitCode,
        labels: info.Config.Labels ?? {},
        startedAt: info.State.StartedAt,
        finishedAt: info.State.FinishedAt,
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async stop(nameOrId: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(nameOrId).stop({ t: timeoutSeconds });
    } catch (error) {
      if (statusOf(error) !== 304 && statusOf(error) !== 404) throw error;
    }
  }

  async kill(nameOrId: string): Promise<void> {
    try {
      await this.docker.getContainer(nameOrId).kill();
    } catch (error) {
      if (statusOf(error) !== 409 && statusOf(error) !== 404) throw error;
    }
  }

  async remove(nameOrId: string): Promise<void> {
    try {
      await this.docker.getContainer(nameOrId).remove({ force: true });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async wait(nameOrId: string): Promise<number> {
    const result = (await this.docker.getContainer(nameOrId).wait()) as { StatusCode: number };
    return result.StatusCode;
  }

  async list(labels: Readonly<Record<string, string>>, options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    await this.info();
    const containers = await this.docker.listContainers({ all: options.all ?? true, filters: { label: labelFilter(labels) } });
    return containers.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? "").replace(/^\//, ""),
      image: c.Image,
      state: c.State,
      status: c.Status,
      labels: c.Labels ?? {},
      created: c.Created,
    }));
  }

  async getArchive(nameOrId: string, path: string): Promise<Readable> {
    const stream = await this.docker.getContainer(nameOrId).getArchive({ path });
    return stream as unknown as Readable;
  }
}

