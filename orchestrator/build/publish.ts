// Copies what the stage table marks as published (ISO, kernel, initramfs) into out/ atomically, then records metadata.json and the SBOM.
import { copyFile, mkdir, readFile, rm, stat } from "node:fs/promises";
import { existsSync, statSync } from "node:fs";
import type { Stats } from "node:fs";
import { SBOM_FILE } from "../sbom/write-sbom.js";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import { sha256File } from "../hash/sha256.js";
import type { BuildPlan } from "../plan/plan.js";
import type { RecordBuildInput } from "../metadata/record-build.js";
import { projectPath } from "../util/project-path.js";
import { toolVersion } from "../util/package-root.js";
import { replaceAtomically } from "../util/atomic.js";
import type { StageOutcome } from "./execute.js";
import type { ArtifactMeta } from "../artifacts/artifact-store.js";
import { UserError } from "../errors/errors.js";

export interface PublishedBuild {
  readonly iso: string;
  readonly bzImage: string;
  readonly initramfs: string;
  readonly metadata: string;
  /** Files copied this time (unchanged ones are left in place). */
  readonly copied: readonly string[];
}

interface PreviousMetadata {
  readonly tool?: { readonly version?: string };
  readonly reproduce?: { readonly config?: string; readonly profile?: string | null; readonly flavour?: string };
  readonly toolchain?: { readonly key?: string };
  readonly stages?: readonly { name: string; key: string }[];
  readonly outputs?: Readonly<Record<string, { sha256: string; bytes: number }>>;
}

export async function publish(
  outDir: string,
  config: ResolvedConfig,
  plan: BuildPlan,
  outcomes: readonly StageOutcome[],
  recording: Pick<RecordBuildInput, "cwd" | "engine" | "cacheRoot">,
): Promise<PublishedBuild> {
  await mkdir(outDir, { recursive: true });
  const previous = await readFile(join(outDir, "metadata.json"), "utf8").then(
    (text) => JSON.parse(text) as PreviousMetadata,
    () => null,
  );
  const published = {
    iso: join(outDir, "levitate.iso"),
    bzImage: join(outDir, "bzImage"),
    initramfs: join(outDir, "initramfs.cpio.gz"),
    metadata: join(outDir, "metadata.json"),
  };
  if (outIsCurrent(outDir, config, plan, outcomes, previous, recording.cwd)) return { ...published, copied: [] };
  const outputs: Record<string, { sha256: string; bytes: number }> = {};
  const copied: string[] = [];
  for (const stage of plan.stages) {
    const outcome = outcomes.find((o) => o.name === stage.name);
    if (outcome === undefined) continue;
    for (const file of stage.invocation.published) {
      const target = join(outDir, file);
      const same = outcome.action === "cached" && previous?.stages?.find((s) => s.name === stage.name)?.key === outcome.key;
      const known = same ? previous?.outputs?.[file] : undefined;
      if (same && known !== undefined && statOrNull(target)?.size === known.bytes) {
        outputs[file] = known;
        continue;
      }
      // Published only if its bytes are what the stage recorded: a cached artifact passed only the fast
      // check (sizes and stamps), so the copy is hashed. One this build made was hashed from these
      // very bytes a moment ago (its meta.json): a copy of it needs only its size checked.
      const recorded = (JSON.parse(await readFile(join(outcome.dir, "meta.json"), "utf8")) as ArtifactMeta).outputs?.[file];
      await replaceAtomically(target, async (partial) => {
        await copyFile(join(outcome.dir, file), partial);
        const bytes = (await stat(partial)).size;
        const fresh = outcome.action === "run" && recorded !== undefined && recorded.bytes === bytes;
        const digest = fresh ? { sha256: recorded.sha256, bytes } : { sha256: await sha256File(partial), bytes };
        if (recorded !== undefined && recorded.sha256 !== digest.sha256) {
          await rm(outcome.dir, { recursive: true, force: true });
          throw new UserError(
            `the cached ${stage.name} artifact's ${file} has sha256 ${digest.sha256}, but its stage produced ${recorded.sha256}: it was damaged and is discarded; nothing was published, run the build again`,
          );
        }
        outputs[file] = digest;
        return true;
      });
      copied.push(file);
    }
  }
  const { recordBuild } = await import("../metadata/record-build.js");
  await recordBuild({
    cwd: recording.cwd,
    outDir,
    config,
    flavour: plan.flavour,
    toolchain: plan.toolchain,
    stages: outcomes,
    outputs,
    engine: recording.engine,
    ...(recording.cacheRoot === undefined ? {} : { cacheRoot: recording.cacheRoot }),
  });
  return { ...published, copied };
}

/**
 * Nothing ran and out/ already holds exactly this build (same tool, selection, toolchain and stage
 * keys in metadata.json; every published file there at its recorded size; the SBOM there): then
 * out/ is left as it is, metadata.json still describing the build that made it.
 */
function outIsCurrent(
  outDir: string,
  config: ResolvedConfig,
  plan: BuildPlan,
  outcomes: readonly StageOutcome[],
  previous: PreviousMetadata | null,
  cwd: string,
): boolean {
  if (previous === null || outcomes.some((o) => o.action !== "cached")) return false;
  const same =
    previous.tool?.version === toolVersion() &&
    previous.reproduce?.config === projectPath(cwd, config.configFile) &&
    previous.reproduce?.profile === config.profile &&
    previous.reproduce?.flavour === plan.flavour &&
    previous.toolchain?.key === plan.toolchain.key &&
    JSON.stringify(previous.stages?.map((s) => [s.name, s.key])) === JSON.stringify(outcomes.map((o) => [o.name, o.key]));
  if (!same || !existsSync(join(outDir, SBOM_FILE))) return false;
  return plan.stages.every((stage) =>
    stage.invocation.published.every((file) => {
      const recorded = previous.outputs?.[file];
      const size = statOrNull(join(outDir, file))?.size;
      return recorded !== undefined && size === recorded.bytes;
    }),
  );
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
