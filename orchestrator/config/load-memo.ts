// An unchanged project skips YAML and schema work: a resolved config is remembered with the stat of every file it was read from.
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256 } from "../hash/sha256.js";
import { writeFileAtomic } from "../util/atomic.js";
import { codeStamp, toolVersion } from "../util/package-root.js";
import type { LoadConfigOptions } from "./load.js";
import { deepFreeze } from "./resolved.js";
import { semanticReadPaths } from "./semantic.js";
import type { ResolvedConfig } from "./types.js";

/**
 * A file changed less than this before the memo would be written may change again within its
 * timestamp's granularity without its stat changing: such a load is not remembered.
 */
export const RACY_WINDOW_MS = 2000;

interface Memo {
  readonly request: string;
  /** Path -> its stat signature ("absent" when it did not exist). */
  readonly watched: Readonly<Record<string, string>>;
  readonly config: ResolvedConfig;
}

/**
 * loadConfig(), or the config an earlier identical load gave when the request (options, the
 * environment it reads, this code) and every file it read (the config, the profile, the files
 * semantic checks look at) are unchanged. Only successful loads are remembered; a memo that
 * cannot be read or written is ignored (it is a cache, never a source of truth).
 */
export async function loadConfigRemembered(options: LoadConfigOptions & { readonly cwd: string; readonly env: NodeJS.ProcessEnv }, memoDir: string): Promise<ResolvedConfig> {
  const request = requestOf(options);
  const file = join(memoDir, `${sha256(request).slice(0, 32)}.json`);
  const memo = await readFile(file, "utf8").then((text) => JSON.parse(text) as Memo, () => null);
  if (memo !== null && memo.request === request && (await unchanged(memo.watched))) return deepFreeze(memo.config);

  const { loadConfig } = await import("./load.js");
  const config = await loadConfig(options);
  const paths = watchedPaths(config);
  const watched: Record<string, string> = {};
  const racyAfter = Date.now() - RACY_WINDOW_MS;
  for (const path of paths) {
    const info = await stat(path, { bigint: true }).catch(() => null);
    if (info !== null && Number(info.mtimeMs) >= racyAfter) return config;
    watched[path] = signature(info);
  }
  await writeFileAtomic(file, JSON.stringify({ request, watched, config } satisfies Memo)).catch(() => undefined);
  await forgetUnused(memoDir);
  return config;
}

/** A memo not used for this long (its project moved, a test's throwaway copy) is removed when another is written. */
export const MEMO_UNUSED_MS = 14 * 24 * 3600 * 1000;

async function forgetUnused(memoDir: string): Promise<void> {
  const cutoff = Date.now() - MEMO_UNUSED_MS;
  for (const name of await readdir(memoDir).catch(() => [] as string[])) {
    const path = join(memoDir, name);
    const info = await stat(path).catch(() => null);
    if (info !== null && info.atimeMs < cutoff && info.mtimeMs < cutoff) await rm(path, { force: true }).catch(() => undefined);
  }
}

/** Every file whose bytes or presence the load depended on. */
export function watchedPaths(config: ResolvedConfig): string[] {
  return [...new Set([config.configFile, ...(config.profileFile === null ? [] : [config.profileFile]), ...semanticReadPaths(config)])];
}

async function unchanged(watched: Readonly<Record<string, string>>): Promise<boolean> {
  for (const [path, expected] of Object.entries(watched)) {
    if (signature(await stat(path, { bigint: true }).catch(() => null)) !== expected) return false;
  }
  return true;
}

/** Kind, size, inode, modification and change times (ns): any write, rename over or chmod changes it. */
function signature(info: import("node:fs").BigIntStats | null): string {
  if (info === null) return "absent";
  if (info.isDirectory()) return "directory";
  const kind = info.isFile() ? "file" : "other";
  return `${kind} ${info.size} ${info.ino} ${info.mtimeNs} ${info.ctimeNs}`;
}

/** What the result of a load depends on besides files: the options, the variables it reads, and the loader's own code. */
function requestOf(options: LoadConfigOptions & { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): string {
  const { env } = options;
  return JSON.stringify({
    tool: toolVersion(),
    // Every module of this folder: a rebuilt loader never reuses what an older one resolved.
    code: codeStamp(import.meta.url),
    cwd: options.cwd,
    configPath: options.configPath ?? null,
    profile: options.profile ?? null,
    mirror: options.mirror ?? null,
    mirrorSites: options.mirrorSites ?? null,
    env: ["HOME", "LEVITATE_PROFILE", "LEVITATE_MIRROR", "LEVITATE_MIRROR_SITES"].map((name) => env[name] ?? null),
  });
}
