// Writes out/sbom.cdx.json for a finished build: the facts come from the config, the artifacts and the toolchain lock.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import type { SbomFacts } from "./cyclonedx.js";

export const SBOM_FILE = "sbom.cdx.json";

/** BusyBox's `--list-full` output from its artifact (applets.txt), one installed path per line. */
export async function readApplets(busyboxDir: string | null): Promise<string[]> {
  if (busyboxDir === null) return [];
  const text = await readFile(join(busyboxDir, "applets.txt"), "utf8");
  return text.split("\n").map((l) => l.trim()).filter((l) => l !== "").sort();
}

export async function writeSbom(outDir: string, facts: SbomFacts): Promise<string> {
  const path = join(outDir, SBOM_FILE);
  // Loaded here: a no-op build reads SBOM_FILE from this module and never writes an SBOM.
  const { makeSbom } = await import("./cyclonedx.js");
  await writeFileAtomic(path, JSON.stringify(makeSbom(facts), null, 2) + "\n");
  return path;
}
