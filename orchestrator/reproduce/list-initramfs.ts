// Lists a gzip'd newc initramfs as path -> "mode size sha256" (or "-> target" for symlinks), for archive diffs.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { readNewc } from "../initramfs/cpio-read.js";
import type { Listing } from "./archive-diff.js";

export async function listInitramfs(path: string): Promise<Listing> {
  const entries = readNewc(gunzipSync(await readFile(path)));
  const out = new Map<string, string>();
  for (const entry of entries) {
    const mode = entry.mode.toString(8).padStart(6, "0");
    const type = entry.mode & 0o170000;
    if (type === 0o120000) out.set(entry.name, `${mode} -> ${entry.data.toString("utf8")}`);
    else if (type === 0o100000) out.set(entry.name, `${mode} ${entry.data.length} ${createHash("sha256").update(entry.data).digest("hex").slice(0, 16)}`);
    else out.set(entry.name, mode);
  }
  return out;
}
