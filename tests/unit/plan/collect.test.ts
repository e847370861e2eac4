// Collected inputs depend on content, never on where the project lives; each real input shows up.
import { appendFile, chmod, cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { hashInputs } from "../../../orchestrator/hash/sha256.js";
import { collectInputs } from "../../../orchestrator/plan/collect.js";
import type { CollectedInputs } from "../../../orchestrator/plan/collect.js";
import type { StageName } from "../../../orchestrator/stages/stage.js";
import { REPO } from "../../helpers/cli.js";

async function projectCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "levitate-inputs-"));
  await cp(join(REPO, "config"), join(dir, "config"), { recursive: true });
  await cp(join(REPO, "linux"), join(dir, "linux"), { recursive: true });
  return dir;
}

async function collect(dir: string, flavour: "openrc" | "minimal" = "openrc") {
  const config = await loadConfig({ cwd: dir, env: { HOME: dir } });
  return collectInputs(config, flavour);
}

const keyOf = (stages: CollectedInputs["stages"], name: StageName) => hashInputs(stages.find((s) => s.invocation.name === name)!.inputs);

describe("collectInputs", () => {
  it("gives the same inputs for two copies of the same project in different places", async () => {
    const [a, b] = await Promise.all([projectCopy(), projectCopy()]);
    const inputsOf = async (dir: string) => (await collect(dir)).stages.map((s) => s.inputs);
    expect(await inputsOf(a)).toEqual(await inputsOf(b));
  });

  it("sees an edit to a file under config/files and the kernel fragment, not a host exec bit", async () => {
    const dir = await projectCopy();
    const before = (await collect(dir)).stages;
    await appendFile(join(dir, "config", "files", "etc", "init.d", "klogd"), "\n# edited\n");
    const edited = (await collect(dir)).stages;
    expect(keyOf(edited, "initramfs")).not.toBe(keyOf(before, "initramfs"));
    expect(keyOf(edited, "linux")).toBe(keyOf(before, "linux"));
    // Image modes come from content (#!, ELF), so a host exec bit alone changes nothing that ships.
    await chmod(join(dir, "config", "files", "etc", "conf.d", "klogd"), 0o755);
    expect(keyOf((await collect(dir)).stages, "initramfs")).toBe(keyOf(edited, "initramfs"));
    await appendFile(join(dir, "linux", "levitate.config"), "CONFIG_VIRTIO_BALLOON=y\n");
    const fragment = (await collect(dir)).stages;
    expect(keyOf(fragment, "linux")).not.toBe(keyOf(before, "linux"));
    expect(keyOf(fragment, "busybox")).toBe(keyOf(before, "busybox"));
  });

  it("leaves OpenRC out of the minimal flavour", async () => {
    const dir = await projectCopy();
    const minimal = await collect(dir, "minimal");
    expect(minimal.stages.map((s) => s.invocation.name)).toEqual(["busybox", "initramfs", "linux", "grub", "iso"]);
    expect(minimal.stages.find((s) => s.invocation.name === "initramfs")!.inputs["config:flavour"]).toBe("minimal");
  });
});
