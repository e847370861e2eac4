// Copies what the stage table marks as published (ISO, kernel, initramfs) into out/ atomically, with metadata.json.
import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import { sha256File } from "../hash/sha256.js";
import type { BuildPlan } from "../plan/plan.js";
import { replaceAtomically, writeFileAtomic } from "../util/atomic.js";
import type { StageOutcome } from "./execute.js";

export interface PublishedBuild {
  readonly iso: string;
  readonly bzImage: string;
  readonly initramfs: string;
  readonly metadata: string;
  /** Files copied this time (unchanged ones are left in place). */
  readonly copied: readonly string[];
}

interface PreviousMetadata {
  readonly stages?: readonly { name: string; key: string }[];
  readonly outputs?: Readonly<Record<string, { sha256: string; bytes: number }>>;
}

export async function publish(
  outDir: string,
  config: ResolvedConfig,
  plan: BuildPlan,
  outcomes: readonly StageOutcome[],
  command: string,
): Promise<PublishedBuild> {
  await mkdir(outDir, { recursive: true });
  const previous = await readFile(join(outDir, "metadata.json"), "utf8").then(
    (text) => JSON.parse(text) as PreviousMetadata,
    () => null,
  );
  const outputs: Record<string, { sha256: string; bytes: number }> = {};
  const copied: string[] = [];
  for (const stage of plan.stages) {
    const outcome = outcomes.find((o) => o.name === stage.name);
    if (outcome === undefined) continue;
    for (const file of stage.invocation.published) {
      const target = join(outDir, file);
      const same = outcome.action === "cached" && previous?.stages?.find((s) => s.name === stage.name)?.key === outcome.key;
      const known = same ? previous?.outputs?.[file] : undefined;
      if (same && known !== undefined && existsSync(target)) {
        outputs[file] = known;
        continue;
      }
      await replaceAtomically(target, async (partial) => {
        await copyFile(join(outcome.dir, file), partial);
        return true;
      });
      copied.push(file);
      outputs[file] = { sha256: await sha256File(target), bytes: (await stat(target)).size };
    }
  }
  const metadata = {
    tool: "levitate-docker",
    flavour: plan.flavour,
    profile: config.profile,
    config: config.configFile,
    toolchain: { flavour: config.toolchain.flavour, base: config.toolchain.base, image: plan.toolchain.tag },
    sources: Object.values(config.sources).map((s) => ({ name: s.name, version: s.version, file: s.file, sha256: s.sha256 })),
    stages: plan.stages.flatMap((stage) => {
      const outcome = outcomes.find((o) => o.name === stage.name);
      if (outcome === undefined) return [];
      return [{ name: stage.name, key: stage.key, action: outcome.action, durationMs: outcome.durationMs, outputs: stage.invocation.outputs, inputs: stage.inputs }];
    }),
    outputs,
    reproducer: command,
    builtAt: new Date().toISOString(),
  };
  const metadataPath = join(outDir, "metadata.json");
  await writeFileAtomic(metadataPath, JSON.stringify(metadata, null, 2) + "\n");
  return {
    iso: join(outDir, "levitate.iso"),
    bzImage: join(outDir, "bzImage"),
    initramfs: join(outDir, "initramfs.cpio.gz"),
    metadata: metadataPath,
    copied,
  };
}
