// What a stage produced, recorded in its meta.json (sha256 and size of every file) and checked before it is trusted again.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { sha256File } from "../hash/sha256.js";

export interface OutputDigest {
  readonly sha256: string;
  readonly bytes: number;
}

/** Output file (path relative to the artifact directory) -> its digest. */
export type OutputDigests = Readonly<Record<string, OutputDigest>>;

/** Host-local proof that a file was not touched since it was hashed: `<inode>:<mtime ms>`. */
export type OutputStamps = Readonly<Record<string, string>>;

export const META_FILE = "meta.json";

function stampOf(info: { ino: number; mtimeMs: number }): string {
  return `${info.ino}:${Math.round(info.mtimeMs)}`;
}

/** Every regular file under `dir` except meta.json, sorted, as relative paths. */
async function outputFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((name) => name !== META_FILE)
    .sort();
}

/**
 * Hashes every output of a finished artifact (stamps stay valid across the rename into place).
 * `written`: digests of files taken from the very bytes written to them (a stage's outputs hashed
 * as they arrived); a file of that size is not read again.
 */
export async function recordOutputs(dir: string, written: OutputDigests = {}): Promise<{ outputs: OutputDigests; stamps: OutputStamps }> {
  const outputs: Record<string, OutputDigest> = {};
  const stamps: Record<string, string> = {};
  for (const name of await outputFiles(dir)) {
    const path = join(dir, name);
    const info = await lstat(path);
    const known = Object.hasOwn(written, name) ? written[name] : undefined;
    outputs[name] = known !== undefined && known.bytes === info.size ? known : { sha256: await sha256File(path), bytes: info.size };
    stamps[name] = stampOf(info);
  }
  return { outputs, stamps };
}

/**
 * What is wrong with the artifact's files, or [] when they are what the stage produced. Fast path:
 * a file whose size and inode+mtime stamp are unchanged is not read; any other is hashed in full.
 */
export async function outputProblems(dir: string, outputs: OutputDigests, stamps: OutputStamps = {}): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, want] of Object.entries(outputs)) {
    const path = join(dir, name);
    const info = await lstat(path).catch(() => null);
    if (info === null || !info.isFile()) {
      problems.push(`${name} is missing`);
      continue;
    }
    if (info.size !== want.bytes) {
      problems.push(`${name} has ${info.size} bytes, the stage produced ${want.bytes}`);
      continue;
    }
    if (stamps[name] === stampOf(info)) continue;
    const got = await sha256File(path);
    if (got !== want.sha256) problems.push(`${name} has sha256 ${got.slice(0, 16)}…, the stage produced ${want.sha256.slice(0, 16)}…`);
  }
  return problems;
}

/** The full check for a file about to be published: its bytes hash to what the stage recorded. */
export async function digestMismatch(path: string, want: OutputDigest | undefined): Promise<string | null> {
  if (want === undefined) return null;
  const got = await sha256File(path);
  return got === want.sha256 ? null : `sha256 ${got}, the stage produced ${want.sha256}`;
}
