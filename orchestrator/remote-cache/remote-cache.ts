// The build's view of the registry cache: try a pull before a stage runs, export what the registry lacks after.
import type { Engine } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import type { ProgressReporter } from "../progress/reporter.js";
import { clientFor } from "./registry-client.js";
import type { RegistryClient } from "./registry-client.js";
import { RegistryError } from "./registry-error.js";
import { pullImage, pushImage } from "./images.js";
import type { CachedImage } from "./images.js";
import type { CacheSettings } from "./settings.js";
import { pullStage, pushStage } from "./stage-cache.js";
import type { ArtifactCommitter, PulledArtifact, PushContext, StageToPull } from "./stage-cache.js";

export { clientFor } from "./registry-client.js";

export interface RemoteCacheOptions {
  readonly settings: CacheSettings;
  readonly env: NodeJS.ProcessEnv;
  readonly reporter: ProgressReporter;
  readonly signal?: AbortSignal;
  readonly context: PushContext;
  /** For the toolchain image, which the engine pushes and pulls. */
  readonly engine: () => Promise<Engine>;
}

export interface ExportSummary {
  readonly pushed: readonly string[];
  readonly present: readonly string[];
  readonly bytes: number;
}


export class RemoteCache {
  private readonly reader: RegistryClient | null;
  private readonly writer: RegistryClient | null;
  /** Off after the first failure that would repeat for every stage (registry down, credentials refused). */
  private readable: boolean;

  constructor(private readonly options: RemoteCacheOptions) {
    const { settings, env, signal } = options;
    this.reader = settings.from === null ? null : clientFor(settings.from, env, signal === undefined ? {} : { signal });
    this.writer = settings.to === null ? null : clientFor(settings.to, env, { push: true, ...(signal === undefined ? {} : { signal }) });
    this.readable = this.reader !== null;
  }

  get exports(): boolean {
    return this.writer !== null;
  }

  /** The stage's artifact from the registry, verified and in the local store; null on a miss or any failure (with a warning). */
  async tryPull(stage: StageToPull, store: ArtifactCommitter): Promise<PulledArtifact | null> {
    if (!this.readable || this.reader === null) return null;
    try {
      return await pullStage(this.reader, stage, store);
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      const persistent = error.failure === "network" || error.failure === "auth";
      if (persistent) this.readable = false;
      this.options.reporter.warn(`cache: ${error.message}; ${persistent ? "building without the registry cache" : `building ${stage.name} instead`}`);
      return null;
    }
  }

  /**
   * Before anything runs: pulls each stage the registry has, in plan order, reporting each as
   * "pulled from cache" with size and time. Returns the names pulled; the rest are built.
   */
  async pullStages(stages: readonly StageToPull[], store: ArtifactCommitter): Promise<Set<string>> {
    const pulled = new Set<string>();
    for (const stage of stages) {
      const got = await this.tryPull(stage, store);
      if (got === null) continue;
      pulled.add(stage.name);
      this.options.reporter.stageStarted(stage.name);
      const detail = `pulled from cache (${(got.bytes / 2 ** 20).toFixed(1)} MiB in ${(got.durationMs / 1000).toFixed(1)}s)`;
      this.options.reporter.stageFinished(stage.name, { ok: true, durationMs: got.durationMs, detail });
    }
    return pulled;
  }

  /** When a stage must run and the engine lacks the toolchain image: pull it instead of building it; false on a miss or a failure (with a warning). */
  async tryPullImage(image: CachedImage, engine: Engine): Promise<boolean> {
    if (!this.readable || this.reader === null) return false;
    if ((await engine.images.id(image.tag)) !== null) return false;
    const started = Date.now();
    try {
      const pulled = await pullImage(image, { engine, client: this.reader, env: this.options.env, ...this.signal() });
      if (pulled) this.options.reporter.info(`${image.kind} image ${image.tag} pulled from cache in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return pulled;
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      this.options.reporter.warn(`cache: ${image.kind} image ${image.tag}: ${error.message}; building it instead`);
      return false;
    }
  }

  private signal(): { signal?: AbortSignal } {
    return this.options.signal === undefined ? {} : { signal: this.options.signal };
  }

  /**
   * --cache-to after a build: exports what the registry lacks and says so. A refusal is an error
   * (exit 1) that says the build itself finished, so a CI job seeding the cache does not pass silently.
   */
  async exportBuild(artifacts: readonly { stage: string; key: string; dir: string }[], images: readonly CachedImage[], outDir: string | null): Promise<void> {
    const where = this.options.settings.to?.display ?? "";
    const started = Date.now();
    try {
      const summary = await this.exportArtifacts(artifacts);
      const took = ((Date.now() - started) / 1000).toFixed(1);
      const sent = summary.pushed.length === 0 ? "nothing new" : `${summary.pushed.join(", ")} (${(summary.bytes / 2 ** 20).toFixed(1)} MiB in ${took}s)`;
      const had = summary.present.length === 0 ? "" : `; already there: ${summary.present.join(", ")}`;
      this.options.reporter.info(`cache: exported to ${where}: ${sent}${had}`);
      for (const image of images) {
        if (this.writer === null) break;
        const imageStarted = Date.now();
        const engine = await this.options.engine();
        const result = await pushImage(image, { engine, client: this.writer, env: this.options.env, ...this.signal() });
        if (result === "pushed") this.options.reporter.info(`cache: ${image.kind} image ${image.tag} pushed in ${((Date.now() - imageStarted) / 1000).toFixed(1)}s`);
      }
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw new UserError(`exporting to the registry cache failed: ${error.message}`, {
        cause: error,
        details: [...error.details, outDir === null ? "the build itself finished" : `the build itself finished: ${outDir}`],
      });
    }
  }

  /** Pushes every artifact of the build that the registry lacks (cached and pulled ones too). Throws RegistryError. */
  async exportArtifacts(artifacts: readonly { stage: string; key: string; dir: string }[]): Promise<ExportSummary> {
    const pushed: string[] = [];
    const present: string[] = [];
    let bytes = 0;
    if (this.writer === null) return { pushed, present, bytes };
    for (const artifact of artifacts) {
      const result = await pushStage(this.writer, artifact, this.options.context);
      (result.pushed ? pushed : present).push(artifact.stage);
      bytes += result.bytes;
    }
    return { pushed, present, bytes };
  }
}
