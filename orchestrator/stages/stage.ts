// What a stage is: one declaration that yields everything its run receives, so its key can hash exactly that.
import type { Flavour, ResolvedConfig, SourcePin } from "../config/types.js";

export type StageName = "busybox" | "openrc" | "initramfs" | "linux" | "grub" | "iso";

/** A file a stage takes in, named by the role it plays (keys name roles, not host paths). */
export type StageFile =
  /** A file of the project, uploaded to /in/<path>. */
  | { readonly role: string; readonly path: string; readonly hostPath: string; readonly mode?: number }
  /** A file from the artifact of a stage it needs (keyed by that stage's key), uploaded to /in/<path>. */
  | { readonly role: string; readonly path: string; readonly fromStage: StageName; readonly file: string }
  /** A whole directory (host stages read it in place): every entry's path, mode and content are keyed. */
  | { readonly role: string; readonly tree: string; readonly extension?: string };

/** The fully resolved run of one stage for one config and flavour: the executor ships exactly this, the key hashes exactly this. */
export interface StageInvocation {
  readonly name: StageName;
  /** container: images/stages/<name>.sh in the toolchain image (its `script` file); host: TypeScript in this process. */
  readonly where: "container" | "host";
  readonly summary: string;
  /** Stages whose artifacts it takes in (their keys are part of its key). */
  readonly needs: readonly StageName[];
  readonly files: readonly StageFile[];
  /** The container's whole environment except JOBS (parallelism only: outputs do not depend on it). */
  readonly env: Readonly<Record<string, string>>;
  /** The pinned source tarball it builds, mounted at /sources/<sha256>/<file>. */
  readonly source: SourcePin | null;
  /** Config values a host stage reads (a container stage receives values only through env). */
  readonly values: Readonly<Record<string, string>>;
  /** Files it promises in its artifact directory; a run that leaves one out fails. */
  readonly outputs: readonly string[];
  /** The outputs copied to out/ by publish. */
  readonly published: readonly string[];
  /**
   * A container stage that keeps a build tree between runs (/work, /ccache, /sources volumes, held
   * under a lease); false: it starts from nothing each time, so it mounts no cache volume and needs no lease.
   */
  readonly buildTree: boolean;
  /**
   * Its container stays up after the build for the next one to run it in by exec (config
   * build.keep_warm): a stage without a build tree that runs after every edit (the iso stage).
   */
  readonly keepWarm: boolean;
}

/** What a stage module declares; `invoke` fills in the per-config parts. */
export interface StageDefinition {
  readonly name: StageName;
  readonly where: "container" | "host";
  /** One line for docs and --help. */
  readonly summary: string;
  readonly outputs: readonly string[];
  readonly published?: readonly string[];
  /** Only these flavours build it (default: every flavour). */
  readonly flavours?: readonly Flavour[];
  /** A container stage keeps a build tree between runs (default); false: see StageInvocation.buildTree. */
  readonly buildTree?: boolean;
  /** See StageInvocation.keepWarm (default false); only for a stage without a build tree. */
  readonly keepWarm?: boolean;
  /**
   * Roughly how long a cold run takes on a 2-core machine, in seconds. Until this machine has timed
   * the stage (timings.json), it decides which of the stages ready together starts first (see
   * executePlan): on a first build the kernel, the longest road, must not wait for the small ones.
   */
  readonly coldSeconds: number;
  invoke(config: ResolvedConfig, flavour: Flavour): StagePart;
}

/** The per-config part of a declaration. */
export interface StagePart {
  readonly needs?: readonly StageName[];
  readonly files?: readonly StageFile[];
  /** Stage-specific environment (the common variables are added for every container stage). */
  readonly env?: Readonly<Record<string, string>>;
  readonly source?: SourcePin | null;
  readonly values?: Readonly<Record<string, string>>;
}
