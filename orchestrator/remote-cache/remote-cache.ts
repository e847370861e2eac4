// The build's view of the registry cache: try a pull before a stage runs, export what the registry lacks after.
import type { PlannedStage } from "../plan/plan.js";
import type { ProgressReporter } from "../progress/reporter.js";
import type { ArtifactStore } from "../artifacts/artifact-store.js";
import { findCredentials } from "./credentials.js";
import { RegistryClient } from "./registry-client.js";
import { RegistryError } from "./registry-error.js";
import type { RepositoryRef } from "../util/repository-reference.js";
import type { CacheSettings } from "./settings.js";
import { pullStage, pushStage } from "./stage-cache.js";
import type { PulledArtifact, PushContext } from "./stage-cache.js";

export interface RemoteCacheOptions {
  readonly settings: CacheSettings;
  readonly env: NodeJS.ProcessEnv;
  readonly reporter: ProgressReporter;
  readonly signal?: AbortSignal;
  readonly context: PushContext;
}

export interface ExportSummary {
  readonly pushed: readonly string[];
  readonly present: readonly string[];
  readonly bytes: number;
}

export function clientFor(ref: RepositoryRef, env: NodeJS.ProcessEnv, options: { push?: boolean; signal?: AbortSignal } = {}): RegistryClient {
  return new RegistryClient(ref, {
    credentials: () => findCredentials(ref.credentialKey, { env }),
    ...(options.push ? { push: true } : {}),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
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
  async tryPull(stage: PlannedStage, store: ArtifactStore): Promise<PulledArtifact | null> {
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
