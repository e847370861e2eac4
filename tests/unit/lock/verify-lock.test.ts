// The image build's lock check (images/lock/verify-lock.sh), run with the host's sh on small package lists.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { REPO } from "../../helpers/cli.js";

async function verify(lock: string[], before: string[], after: string[]) {
  const dir = await mkdtemp(join(tmpdir(), "levitate-verify-lock-"));
  const file = async (name: string, lines: string[]) => {
    await writeFile(join(dir, name), lines.sort().map((l) => `${l}\n`).join(""));
    return join(dir, name);
  };
  return execa("sh", [join(REPO, "images/lock/verify-lock.sh"), "toolchain", "debian", await file("lock", lock), await file("before", before), await file("after", after)], {
    reject: false,
    env: { LC_ALL: "C" },
  });
}

const base = ["base-files=12.4", "libc6=2.36-9"];

describe("verify-lock.sh", () => {
  it("passes when the install added exactly the locked packages, upgrades included", async () => {
    const result = await verify(["gcc=12.2", "libc6=2.36-10"], base, ["base-files=12.4", "gcc=12.2", "libc6=2.36-10"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("toolchain package lock (debian.lock): 2 packages installed exactly as locked");
  });

  it("accepts a locked package the base already had at the locked version", async () => {
    expect((await verify(["libc6=2.36-9", "gcc=12.2"], base, [...base, "gcc=12.2"])).exitCode).toBe(0);
  });

  it("fails with a diff naming a package installed at another version and one the lock does not name", async () => {
    const result = await verify(["gcc=12.2", "libstdc++6=12.2"], base, [...base, "gcc=12.3", "libstdc++6=12.2", "make=4.3"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split("\n")).toEqual([
      "toolchain package lock check FAILED (debian.lock does not match what was installed):",
      "  - gcc=12.2    (installed: gcc=12.3)",
      "  + gcc=12.3    (installed, but not in the lock)",
      "  + make=4.3    (installed, but not in the lock)",
      "See the archive's current versions with: levitate-docker lock toolchain --flavour debian",
      "and move the lock with: levitate-docker lock toolchain --flavour debian --write",
    ]);
  });

  it("names a locked package that was not installed at all", async () => {
    const result = await verify(["gcc=12.2", "ovmf=2022.11"], base, [...base, "gcc=12.2"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("  - ovmf=2022.11    (installed: nothing)");
  });
});
