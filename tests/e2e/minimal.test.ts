// End to end, the BusyBox-init flavour: build with the offline profile, boot it, run a command in the guest.
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine } from "../../orchestrator/docker/engine.js";
import { LABEL_TOOL } from "../../orchestrator/docker/types.js";
import { REPO, explain, runCli } from "../helpers/cli.js";

describe("minimal flavour, offline profile", () => {
  it("builds out/levitate.iso, boots it to a shell and prints the guest's kernel release", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const built = await runCli(["build", "--minimal", "--profile", "offline"]);
    expect(built.exitCode, explain(built)).toBe(0);
    for (const file of ["levitate.iso", "bzImage", "initramfs.cpio.gz", "metadata.json"]) {
      expect(existsSync(join(REPO, "out", file)), file).toBe(true);
    }
    expect(statSync(join(REPO, "out", "levitate.iso")).size).toBeGreaterThan(1_000_000);

    const tested = await runCli(["test", "--minimal", "--profile", "offline", "--verbose"]);
    expect(tested.exitCode, explain(tested)).toBe(0);
    expect(tested.stdout).toMatch(/uname -r: 6\.12\.\d+/);
    expect(tested.stdout).toMatch(/shell in \d+(\.\d+)? ?s/);
    // --verbose: the breakdown placed the kernel by its printk times (no timing asserted).
    expect(tested.stdout).toMatch(/^boot timeline:$/m);
    expect(tested.stdout).toMatch(/^ {2}kernel \(to starting \/init\) +\d+\.\d\d s$/m);

    // Nothing left behind by these two commands: stage containers and the test VM are removed.
    const engine = createEngine();
    const left = (await engine.containers.list({ [LABEL_TOOL]: "1" }, { all: true })).filter((c) => c.created >= since);
    expect(left.map((c) => c.name)).toEqual([]);
  });

  it("is reproducible: rebuilding the initramfs and the ISO gives the same bytes", async () => {
    const digest = async (file: string) => createHash("sha256").update(await readFile(join(REPO, "out", file))).digest("hex");
    const before = { initramfs: await digest("initramfs.cpio.gz"), iso: await digest("levitate.iso") };
    const again = await runCli(["build", "initramfs", "iso", "--minimal", "--profile", "offline", "--force"]);
    expect(again.exitCode, explain(again)).toBe(0);
    expect({ initramfs: await digest("initramfs.cpio.gz"), iso: await digest("levitate.iso") }).toEqual(before);
  });

  it("a second build with nothing changed runs no stage", async () => {
    const again = await runCli(["build", "--minimal", "--profile", "offline", "--plain"]);
    expect(again.exitCode, explain(again)).toBe(0);
    expect(again.stderr).toMatch(/up to date/);
    const dry = await runCli(["build", "--minimal", "--profile", "offline", "--dry-run"]);
    expect(dry.stdout).toContain("everything is up to date");
  });
});
