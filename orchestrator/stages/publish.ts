// Copies the finished ISO, kernel and initramfs into out/ (atomically) with metadata.json.
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../config/types.js";
import type { BuildPlan } from "../plan/plan.js";
import { replaceAtomically, writeFileAtomic } from "../util/atomic.js";
import type { StageOutcome } from "./execute.js";

export interface PublishedBuild {
  readonly iso: string;
  readonly bzImage: string;
  readonly initramfs: string;
  readonly metadata: string;
}

const OUTPUTS: readonly { stage: "iso" | "linux" | "initramfs"; file: string }[] = [
  { stage: "iso", file: "levitate.iso" },
  { stage: "linux", file: "bzImage" },
  { stage: "initramfs", file: "initramfs.cpio.gz" },
];

export async function publish(
  outDir: string,
  config: ResolvedConfig,
  plan: BuildPlan,
  outcomes: readonly StageOutcome[],
  command: string,
): Promise<PublishedBuild> {
  await mkdir(outDir, { recursive: true });
  const previous = await readFile(join(outDir, "metadata.json"), "utf8").then(
    (text) => JSON.parse(text) as { stages?: { name: string; key: string }[]; outputs?: Record<string, { sha256: string; bytes: number }> },
    () => null,
  );
  const outputs: Record<string, { sha256: string; bytes: number }> = {};
  for (const { stage, file } of OUTPUTS) {
    const outcome = outcomes.find((o) => o.name === stage);
    if (outcome === undefined) continue;
    const source = join(outcome.dir, file);
    const target = join(outDir, file);
    const same = outcome.action === "cached" && previous?.stages?.find((s) => s.name === stage)?.key === outcome.key;
    if (!same || !existsSync(target)) {
      await replaceAtomically(target, async (partial) => {
        await copyFile(source, partial);
        return true;
      });
    }
    const known = same ? previous?.outputs?.[file] : undefined;
    if (known !== undefined) {
      outputs[file] = known;
      continue;
    }
    const data = await readFile(target);
    outputs[file] = { sha256: createHash("sha256").update(data).digest("hex"), bytes: data.length };
  }
  const metadata = {
    tool: "levitate-docker",
    flavour: plan.flavour,
    profile: config.profile,
    config: config.configFile,
    toolchain: { flavour: config.toolchain.flavour, base: config.toolchain.base, image: plan.toolchainTag },
    sources: Object.values(config.sources).map((s) => ({ name: s.name, version: s.version, file: s.file, sha256: s.sha256 })),
    stages: outcomes.map((o) => ({ name: o.name, key: o.key, action: o.action, durationMs: o.durationMs })),
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
  };
}

