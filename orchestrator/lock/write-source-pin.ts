// Writes a moved source pin into the YAML layer that defines it (the profile when it overrides the source), keeping comments.
import { copyFile } from "node:fs/promises";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseDocument } from "yaml";
import type { ResolvedConfig } from "../config/types.js";
import { replaceAtomically, writeFileAtomic } from "../util/atomic.js";
import type { SourcePinChange } from "./source-pin.js";

/** The config file whose `sources.<name>` the resolved pin comes from. */
export async function layerDefining(config: ResolvedConfig, name: string): Promise<string> {
  if (config.profileFile !== null) {
    const overlay = parseDocument(await readFile(config.profileFile, "utf8"));
    if (overlay.hasIn(["sources", name])) return config.profileFile;
  }
  return config.configFile;
}

/** Updates version/file/sha256 in that layer and puts the file in the cache's mirror so builds find it. */
export async function writeSourcePin(config: ResolvedConfig, change: SourcePinChange, cacheRoot: string): Promise<string> {
  const target = join(cacheRoot, "mirror", change.to.file);
  if (change.path !== target) {
    await replaceAtomically(target, async (partial) => {
      await copyFile(change.path, partial);
      return true;
    });
  }
  const layer = await layerDefining(config, change.name);
  const doc = parseDocument(await readFile(layer, "utf8"));
  doc.setIn(["sources", change.name, "version"], change.to.version);
  doc.setIn(["sources", change.name, "file"], change.to.file);
  doc.setIn(["sources", change.name, "sha256"], change.to.sha256);
  await writeFileAtomic(layer, doc.toString());
  return layer;
}
