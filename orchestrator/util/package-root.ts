// Where levitate-docker's own files (images/, Dockerfile.toolchain) are, wherever it is installed.
import { fileURLToPath } from "node:url";

/** dist/util/package-root.js -> the package directory. */
export const packageRoot: string = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
