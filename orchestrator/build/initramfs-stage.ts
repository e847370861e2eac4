// The initramfs stage, run on the host: BusyBox + OpenRC tree + layout + config/files -> cpio.gz.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Flavour, ResolvedConfig } from "../config/types.js";
import { assembleInitramfs } from "../initramfs/assemble.js";
import { writeCpio } from "../initramfs/cpio.js";
import { readFilesTree } from "../initramfs/files-tree.js";
import { gzipDeterministic } from "../initramfs/gzip.js";
import { directoryPieceCache } from "../initramfs/piece-cache.js";
import { listing } from "../initramfs/listing.js";
import { minimalLayout } from "../initramfs/minimal-layout.js";
import { pruneCgroupSupport, pruneInitScripts } from "../initramfs/openrc-init-scripts.js";
import { initScriptNames, openrcLayout } from "../initramfs/openrc-layout.js";
import { dynamicLinkReason } from "../initramfs/elf-static.js";
import { entriesFromTar } from "../initramfs/tar-entries.js";
import { UserError } from "../errors/errors.js";
import { sha256 } from "../hash/sha256.js";
import { throwIfCancelled, untilCancelled } from "../util/until-cancelled.js";
import type { StageName } from "../stages/stage.js";
import type { OutputDigest, OutputDigests } from "../artifacts/artifact-digests.js";

export interface InitramfsStageInput {
  readonly config: ResolvedConfig;
  readonly flavour: Flavour;
  readonly artifacts: ReadonlyMap<StageName, string>;
  /** The artifact directory to fill. */
  readonly into: string;
  /** Where compressed pieces of earlier initramfs images are kept (see piece-cache.ts); none: compress it all. */
  readonly pieceCacheDir?: string;
  /** The build's cancel: checked between steps and while compressing and writing (the caller removes `into`). */
  readonly signal?: AbortSignal;
}

/** Writes the initramfs artifact into input.into; the digests of the files it wrote. */
export async function buildInitramfsArtifact(input: InitramfsStageInput): Promise<OutputDigests> {
  const { config, flavour, artifacts, signal } = input;
  const checkpoint = () => throwIfCancelled(signal);
  const busyboxDir = artifacts.get("busybox")!;
  const binary = await readFile(join(busyboxDir, "busybox"));
  const applets = (await readFile(join(busyboxDir, "applets.txt"), "utf8"))
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const files = await readFilesTree(config.files, signal);
  checkpoint();
  let openrcTree: Awaited<ReturnType<typeof entriesFromTar>> | undefined;
  let layout;
  if (flavour === "openrc") {
    const fullTree = await entriesFromTar(await readFile(join(artifacts.get("openrc")!, "openrc.tar")));
    const initScripts = initScriptNames([...fullTree, ...files].map((entry) => entry.path));
    layout = openrcLayout(config, { initScripts });
    openrcTree = pruneCgroupSupport(pruneInitScripts(fullTree, files, Object.values(config.openrc.runlevels).flat()), config.openrc.cgroups);
  } else {
    layout = minimalLayout(config);
  }
  const manifest = assembleInitramfs({
    config,
    flavour,
    busybox: { binary, applets },
    ...(openrcTree === undefined ? {} : { openrcTree }),
    layout,
    files,
  });
  checkpoint();
  const dynamic = manifest.flatMap((entry) => {
    if (entry.kind !== "file") return [];
    const reason = dynamicLinkReason(entry.data);
    return reason === null ? [] : [`/${entry.path}: ${reason}`];
  });
  if (dynamic.length > 0) {
    throw new UserError(`${dynamic.length} file${dynamic.length === 1 ? "" : "s"} in the initramfs ${dynamic.length === 1 ? "is" : "are"} not statically linked`, {
      details: [...dynamic, "LevitateOS ships static binaries only: build them with musl-cc (static by default), or drop them from config/files"],
    });
  }
  checkpoint();
  const pieces = input.pieceCacheDir === undefined ? undefined : directoryPieceCache(input.pieceCacheDir);
  const compressed = await untilCancelled(gzipDeterministic(writeCpio(manifest), pieces === undefined ? {} : { pieces }), signal);
  const listed = Buffer.from(listing(manifest), "utf8");
  // The artifact's digests come from these buffers, hashed while they are written.
  const writing = Promise.all([writeFile(join(input.into, "initramfs.cpio.gz"), compressed), writeFile(join(input.into, "initramfs.listing"), listed)]);
  const written: OutputDigests = { "initramfs.cpio.gz": digestOf(compressed), "initramfs.listing": digestOf(listed) };
  await writing;
  checkpoint();
  // Only a complete image's new pieces are kept: a build cancelled before here writes none.
  await pieces?.store();
  return written;
}

function digestOf(bytes: Uint8Array): OutputDigest {
  return { sha256: sha256(bytes), bytes: bytes.length };
}
