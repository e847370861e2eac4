// Collected inputs depend on content, never on where the project lives; each real input shows up.
import { appendFile, chmod, cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { collectInputs } from "../../../orchestrator/plan/inputs.js";
import { hashInputs } from "../../../orchestrator/plan/hash.js";
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

const keyOf = (stages: Awaited<ReturnType<typeof collect>>["stages"], name: keyof Awaited<ReturnType<typeof collect>>["stages"]) =>
  hashInputs(stages[name]!);

describe("collectInputs", () => {
  it("gives the same inputs for two copies of the same project in different places", async () => {
    const [a, b] = await Promise.all([projectCopy(), projectCopy()]);
    expect((await collect(a)).stages).toEqual((await collect(b)).stages);
  });

  it("sees an edit to a file under config/files, a mode change, and the kernel fragment", async () => {
    const dir = await projectCopy();
    const before = (await collect(dir)).stages;
    await appendFile(join(dir, "config", "files", "etc", "init.d", "klogd"), "\n# edited\n");
    const edited = (await collect(dir)).stages;
    expect(keyOf(edited, "initramfs")).not.toBe(keyOf(before, "initramfs"));
    expect(keyOf(edited, "linux")).toBe(keyOf(before, "linux"));
    await chmod(join(dir, "config", "files", "etc", "conf.d", "klogd"), 0o755);
    expect(keyOf((await collect(dir)).stages, "initramfs")).not.toBe(keyOf(edited, "initramfs"));
    await appendFile(join(dir, "linux", "levitate.config"), "CONFIG_VIRTIO_BALLOON=y\n");
    const fragment = (await collect(dir)).stages;
    expect(keyOf(fragment, "linux")).not.toBe(keyOf(before, "linux"));
    expect(keyOf(fragment, "busybox")).toBe(keyOf(before, "busybox"));
  });

  it("leaves OpenRC out of the minimal flavour", async () => {
    const dir = await projectCopy();
    const minimal = await collect(dir, "minimal");
    expect(minimal.stages.openrc).toBeUndefined();
    expect(minimal.stages.initramfs!["config:flavour"]).toBe("minimal");
  });
});
