// Compares text output with a checked-in golden file under tests/golden/; UPDATE_GOLDEN=1 rewrites it instead.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/** Absolute path of tests/golden/<name>. */
export function goldenPath(name: string): string {
  return fileURLToPath(new URL(`../golden/${name}`, import.meta.url));
}

/**
 * Expects `actual` to equal tests/golden/<name> (e.g. "initramfs/minimal.listing").
 * With UPDATE_GOLDEN=1 in the environment it writes `actual` there and passes; a missing
 * golden file fails and says how to create it. Review the diff before committing.
 */
export function expectGolden(name: string, actual: string): void {
  const path = goldenPath(name);
  if (process.env["UPDATE_GOLDEN"] === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} does not exist; run the test with UPDATE_GOLDEN=1 to create it, then review it`);
  }
  expect(actual, `output differs from golden file ${path} (UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(path, "utf8"));
}
