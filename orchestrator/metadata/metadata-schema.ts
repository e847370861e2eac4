// The shape of out/metadata.json (version 2): what was built, from what, with what, and the one command that rebuilds it.
import { z } from "zod";

const digest = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 in hex");
const fileDigest = z.strictObject({ sha256: digest, bytes: z.number().int().nonnegative() });
/** A path inside the project, never a host path: relative, no drive letter. */
const projectPath = z.string().refine((p) => !p.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(p) && !p.includes("\\"), "a project-relative path with / separators");

export const STAGE_ACTIONS = ["ran", "cached", "pulled"] as const;

export const stageRecordSchema = z.strictObject({
  name: z.string(),
  key: digest,
  /** ran: in this build; cached: reused from the local artifact cache; pulled: from a remote cache. */
  action: z.enum(STAGE_ACTIONS),
  /** How long the stage took when it last ran (for cached/pulled: the run that made the artifact). */
  durationMs: z.number().int().nonnegative(),
  /** When that run finished, as the artifact records it. */
  ranAt: z.string().nullable(),
  /** Every file of the stage's artifact, by name. */
  outputs: z.record(z.string(), fileDigest),
});

export const buildMetadataSchema = z.strictObject({
  schema: z.literal("levitate-docker/metadata@2"),
  tool: z.strictObject({ name: z.literal("levitate-docker"), version: z.string() }),
  reproduce: z.strictObject({
    /** Runs the same build again: same config, profile and flavour. */
    command: z.string().startsWith("levitate-docker build"),
    /** `levitate-docker reproduce` rebuilds from scratch and compares every digest below. */
    verify: z.string().startsWith("levitate-docker reproduce"),
    config: projectPath,
    profile: z.string().nullable(),
    flavour: z.enum(["openrc", "minimal"]),
  }),
  toolchain: z.strictObject({
    flavour: z.enum(["alpine", "debian"]),
    base: z.string(),
    tag: z.string(),
    key: digest,
    /** The image's id on the engine that ran the stages; null when no engine was asked. */
    imageId: z.string().nullable(),
    lock: z.strictObject({ path: projectPath, sha256: digest, packages: z.number().int().nonnegative() }),
  }),
  engine: z
    .strictObject({ version: z.string(), apiVersion: z.string(), os: z.string(), architecture: z.string(), kernel: z.string() })
    .nullable(),
  kernel: z.strictObject({ release: z.string(), configSha256: digest }).nullable(),
  sources: z.array(z.strictObject({ name: z.string(), version: z.string(), file: z.string(), sha256: digest })),
  stages: z.array(stageRecordSchema),
  /** The files in out/. */
  outputs: z.record(z.string(), fileDigest),
  builtAt: z.string(),
});

export type BuildMetadata = z.infer<typeof buildMetadataSchema>;
export type StageRecord = z.infer<typeof stageRecordSchema>;
export type FileDigest = z.infer<typeof fileDigest>;

/** Problems as `path.to.key: message`, all at once (empty when valid). */
export function metadataProblems(value: unknown): string[] {
  const result = buildMetadataSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
}
