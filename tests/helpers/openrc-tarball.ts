// Finds the pinned OpenRC tarball for the tests that build or read it; under CI its absence fails them instead of skipping.
import { createReadStream, existsSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { join, resolve } from "node:path";
import { cacheRoot } from "../../orchestrator/util/cache-root.js";
import { REPO } from "./cli.js";

export const OPENRC_FILE = "openrc-0.54.tar.gz";
/** sources.openrc.sha256 in config/levitate.yaml (GitHub's archive of the 0.54 tag). */
export const OPENRC_SHA256 = "c84ff1d8e468c043fe136d11d3d34d6bb28328267d1352526a5d18cdf4c60fb0";
/** Beside every checkout on the project's machines and in CI (read-only, never committed). */
export const SHARED_MIRROR = resolve(REPO, "..", "shared", "mirror");

/** Under CI every OpenRC case must run: a missing tarball is a failure there, not a skip. */
export const OPENRC_REQUIRED = process.env["CI"] === "true";

/** Where the tests look, in order: LEVITATE_MIRROR, the cache's mirror and downloads, ../shared/mirror. */
export function openrcCandidates(): string[] {
  const root = cacheRoot();
  const mirrors = [process.env["LEVITATE_MIRROR"], join(root, "mirror"), SHARED_MIRROR].filter((m): m is string => !!m);
  return [
    ...mirrors.flatMap((m) => [join(m, OPENRC_FILE), join(m, OPENRC_SHA256, OPENRC_FILE)]),
    join(root, "downloads", OPENRC_SHA256, OPENRC_FILE),
  ];
}

export function findOpenrcTarball(): string | null {
  return openrcCandidates().find((path) => existsSync(path)) ?? null;
}

/** The path, or an error that says where it was looked for and how to provide it. */
export function requireOpenrcTarball(): string {
  const found = findOpenrcTarball();
  if (found !== null) return found;
  throw new Error(
    `${OPENRC_FILE} (sha256 ${OPENRC_SHA256}) is needed and missing (CI=true makes this a failure, not a skip). ` +
      `Looked in: ${openrcCandidates().join(", ")}. ` +
      `Put it in ~/.cache/levitate-docker/mirror/ (scripts/prepare-offline.sh copies it from ../shared/mirror/).`,
  );
}

/** Text for a skipped case's title, or null when the case must run (tarball present, or CI). */
export function openrcSkipReason(): string | null {
  if (OPENRC_REQUIRED || findOpenrcTarball() !== null) return null;
  return `SKIPPED: ${OPENRC_FILE} (sha256 ${OPENRC_SHA256}) is in none of ${openrcCandidates().join(", ")}; put it there to run this`;
}

/** One member of a .tar.gz as text (e.g. "openrc-0.54/sh/meson.build"). */
export async function readMember(archive: string, name: string): Promise<string> {
  const entries = extract();
  createReadStream(archive).pipe(createGunzip()).pipe(entries);
  let text: string | null = null;
  for await (const entry of entries) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (entry.header.name === name) text = Buffer.concat(chunks).toString("utf8");
  }
  if (text === null) throw new Error(`${archive} has no ${name}`);
  return text;
}
