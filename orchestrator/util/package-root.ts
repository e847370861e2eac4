// Where levitate-docker's own files (images/, Dockerfile.toolchain) are, wherever it is installed.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** dist/util/package-root.js -> the package directory. */
export const packageRoot: string = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** levitate-docker's version, from its package.json. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * The size and mtime of each module in the folder of `moduleUrl` whose name starts with `prefix`, a
 * line each: it changes whenever that code is rebuilt or upgraded, so what a cache remembers under it
 * is never reused by other code.
 */
export function codeStamp(moduleUrl: string, prefix = ""): string {
  const dir = dirname(fileURLToPath(moduleUrl));
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .sort()
    .map((name) => {
      const info = statSync(join(dir, name), { bigint: true });
      return `${name} ${info.size} ${info.mtimeNs}`;
    })
    .join("\n");
}
