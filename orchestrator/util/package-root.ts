// Where levitate-docker's own files (images/, Dockerfile.toolchain) are, wherever it is installed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** dist/util/package-root.js -> the package directory. */
export const packageRoot: string = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** levitate-docker's version, from its package.json. */
export function toolVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}
