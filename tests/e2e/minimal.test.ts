// End to end, the BusyBox-init flavour: build with the offline profile, boot it, run a command in the guest.
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../orchestrator/docker/engine.js";
import { LABEL_TOOL } from "../../orchestrator/docker/types.js";
import { LABEL_OWNER, parseOwner } from "../../orchestrator/ownership/owner.js";
import { explain } from "../helpers/cli.js";
import { MINIMAL_OFFLINE } from "../helpers/minimal-build.js";
import { copyProject } from "../helpers/project-copy.js";
import type { ProjectCopy } from "../helpers/project-copy.js";

describe("minimal flavour, offline profile", () => {
  // A throwaway copy of the project (its own out/ and volumes, the shared artifact cache), used as a user would: cwd there.
  let project: ProjectCopy;
  beforeAll(async () => {
    project = await copyProject("minimal-e2e", { sharedCache: true });
  });
  afterAll(async () => project?.dispose());

  it("builds out/levitate.iso, boots it to a shell and prints the guest's kernel release", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const built = await project.cli(["build", ...MINIMAL_OFFLINE]);
    expect(built.exitCode, explain(built)).toBe(0);
    for (const file of ["levitate.iso", "bzImage", "initramfs.cpio.gz", "metadata.json"]) {
      expect(existsSync(join(project.out, file)), file).toBe(true);
    }
    expect(statSync(join(project.out, "levitate.iso")).size).toBeGreaterThan(1_000_000);

    const tested = await project.cli(["test", ...MINIMAL_OFFLINE, "--verbose"]);
    expect(tested.exitCode, explain(tested)).toBe(0);
    expect(tested.stdout).toMatch(/uname -r: 6\.12\.\d+/);
    expect(tested.stdout).toMatch(/shell in \d+(\.\d+)? ?s/);
    // --verbose: the breakdown placed the kernel by its printk times (no timing asserted).
    expect(tested.stdout).toMatch(/^boot timeline:$/m);
    expect(tested.stdout).toMatch(/^ {2}kernel \(to starting \/init\) +\d+\.\d\d s$/m);

    // Nothing left behind by these two commands: stage containers and the test VM (owned by their processes) are removed.
    // Only theirs: the engine may be shared with other builds and tests that run containers of their own.
    const engine = createEngine();
    const ours = new Set([built.pid ?? -1, tested.pid ?? -1]);
    expect(ours.has(-1)).toBe(false);
    const left = (await engine.containers.list({ [LABEL_TOOL]: "1" }, { all: true })).filter(
      (c) => c.created >= since && ours.has(parseOwner(c.labels[LABEL_OWNER])?.pid ?? -1),
    );
    expect(left.map((c) => c.name)).toEqual([]);
  });

  it("is reproducible: rebuilding GRUB's images, the initramfs and the ISO gives the same bytes", async () => {
    const digest = async (file: string) => createHash("sha256").update(await readFile(join(project.out, file))).digest("hex");
    const before = { initramfs: await digest("initramfs.cpio.gz"), iso: await digest("levitate.iso") };
    const again = await project.cli(["build", "initramfs", "grub", "iso", ...MINIMAL_OFFLINE, "--force"]);
    expect(again.exitCode, explain(again)).toBe(0);
    expect({ initramfs: await digest("initramfs.cpio.gz"), iso: await digest("levitate.iso") }).toEqual(before);
  });

  it("a second build with nothing changed runs no stage", async () => {
    const again = await project.cli(["build", ...MINIMAL_OFFLINE, "--plain"]);
    expect(again.exitCode, explain(again)).toBe(0);
    expect(again.stderr).toMatch(/up to date/);
    const dry = await project.cli(["build", ...MINIMAL_OFFLINE, "--dry-run"]);
    expect(dry.stdout).toContain("everything is up to date");
  });
});
