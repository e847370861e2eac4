// After publishing out/: writes metadata.json and the SBOM from the build's stages, the toolchain recipe and (when stages ran) the engine.
import { join } from "node:path";
import { projectPath } from "../util/project-path.js";
import type { Flavour, ResolvedConfig } from "../config/types.js";
import type { Engine } from "../docker/types.js";
import { readApplets, writeSbom } from "../sbom/write-sbom.js";
import type { ImageRecipe } from "../toolchain/recipes.js";
import { toolVersion } from "../util/package-root.js";
import { assembleMetadata } from "./assemble-metadata.js";
import { kernelFacts, stageRecords } from "./gather-facts.js";
import type { StageFact } from "./gather-facts.js";
import type { BuildMetadata, FileDigest } from "./metadata-schema.js";
import { readPreviousMetadata, writeMetadata, writtenRecordPath } from "./write-metadata.js";

export interface RecordBuildInput {
  /** The project directory: paths in metadata.json are relative to it. */
  readonly cwd: string;
  readonly outDir: string;
  readonly config: ResolvedConfig;
  readonly flavour: Flavour;
  /** The toolchain image the plan used (its tag, key and lock). */
  readonly toolchain: ImageRecipe;
  readonly stages: readonly StageFact[];
  /** Digests of the files published in out/. */
  readonly outputs: Readonly<Record<string, FileDigest>>;
  /** Asked for the engine's version and the toolchain image id, only when a stage ran. */
  readonly engine: () => Promise<Engine>;
  /** The cache, where the digest of the metadata.json written is remembered (see writtenRecordPath); none: it is read back through its schema. */
  readonly cacheRoot?: string;
}

async function engineFacts(input: RecordBuildInput, tag: string): Promise<{ engine: BuildMetadata["engine"]; imageId: string | null }> {
  if (!input.stages.some((s) => s.action === "run" || s.action === "ran")) return { engine: null, imageId: null };
  const engine = await input.engine();
  const info = await engine.info();
  return {
    engine: { version: info.serverVersion, apiVersion: info.apiVersion, os: info.os, architecture: info.architecture, kernel: info.kernel },
    imageId: await engine.images.id(tag),
  };
}

const SOURCE_OF_STAGE = { linux: "kernel", busybox: "busybox", openrc: "openrc" } as const;

export async function recordBuild(input: RecordBuildInput): Promise<{ metadata: string; sbom: string }> {
  const { config } = input;
  const metadataPath = join(input.outDir, "metadata.json");
  const record = input.cacheRoot === undefined ? undefined : writtenRecordPath(input.cacheRoot, metadataPath);
  const previous = await readPreviousMetadata(metadataPath, record);
  const recipe = input.toolchain;
  const { engine, imageId } = await engineFacts(input, recipe.tag);
  const dirOf = (name: string) => input.stages.find((s) => s.name === name)?.dir ?? null;
  const sourceNames = input.stages.flatMap((s) => (s.name in SOURCE_OF_STAGE ? [config[SOURCE_OF_STAGE[s.name as keyof typeof SOURCE_OF_STAGE]].source] : []));
  const sources = sourceNames.map((name) => config.sources[name]!);

  const written = await writeMetadata(
    metadataPath,
    assembleMetadata({
      toolVersion: toolVersion(),
      selection: { config: projectPath(input.cwd, config.configFile), profile: config.profile, flavour: input.flavour },
      metadataPath: projectPath(input.cwd, metadataPath),
      toolchain: {
        flavour: config.toolchain.flavour,
        base: config.toolchain.base,
        tag: recipe.tag,
        key: recipe.key,
        imageId,
        lock: { path: recipe.lock.path, sha256: recipe.lock.sha256, packages: recipe.lock.pins.length },
      },
      engine,
      kernel: await kernelFacts(dirOf("linux")),
      sources: sources.map((s) => ({ name: s.name, version: s.version, file: s.file, sha256: s.sha256 })),
      stages: await stageRecords(input.stages, previous),
      outputs: input.outputs,
      builtAt: new Date().toISOString(),
    }),
    previous,
    record,
  );

  const iso = input.outputs["levitate.iso"];
  if (iso === undefined) throw new Error("recordBuild: out/levitate.iso has no digest (publish records the ISO first)");
  const sbom = await writeSbom(input.outDir, {
    name: config.name,
    flavour: input.flavour,
    iso: { file: "levitate.iso", sha256: iso.sha256 },
    kernelRelease: written.kernel?.release ?? null,
    sources,
    applets: await readApplets(dirOf("busybox")),
    services: input.flavour === "openrc" ? config.openrc.runlevels : null,
    toolVersion: toolVersion(),
    toolchain: {
      flavour: config.toolchain.flavour,
      base: config.toolchain.base,
      tag: recipe.tag,
      imageId: written.toolchain.imageId,
      lockPath: recipe.lock.path,
      lockSha256: recipe.lock.sha256,
      packages: recipe.lock.pins,
    },
  });
  return { metadata: metadataPath, sbom };
}
