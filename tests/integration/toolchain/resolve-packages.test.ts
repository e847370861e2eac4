// `lock toolchain`'s dry run for real: apt in a container of the Debian base, with no capabilities (as every container of ours).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import { parsePackageLock } from "../../../orchestrator/lock/package-lock-file.js";
import { resolvePackages } from "../../../orchestrator/lock/resolve-packages.js";
import { BASE_IMAGE } from "../../helpers/engine.js";

const engine = createEngine();
const root = join(import.meta.dirname, "..", "..", "..");

describe("resolving the debian package lock in the base image", () => {
  it("pins a package the base lacks, as the committed lock does", async () => {
    // bc (the kernel build's) is not in the minbase image.
    const pins = await resolvePackages(engine, { flavour: "debian", base: BASE_IMAGE, names: ["bc"] });
    const bc = pins.find((pin) => pin.name === "bc");
    expect(bc?.version).toMatch(/^\d[\w.+:~-]*$/);
    // The committed lock was made the same way, so it names bc too.
    const committed = parsePackageLock("debian.lock", await readFile(join(root, "images", "toolchain", "debian.lock"), "utf8"));
    expect(committed.some((pin) => pin.name === "bc")).toBe(true);
  }, 180_000);
});
