// The shipped config/levitate.yaml and its offline profile must load, with the upstream pins they promise.
import { existsSync } from "node:fs";
import { copyFile, cp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { OPENRC_LINUX_SERVICES } from "../../../orchestrator/config/openrc-services.js";
import { RUNLEVELS } from "../../../orchestrator/config/types.js";
import type { Workspace } from "./workspace.js";
import { REPO, createWorkspace } from "./workspace.js";

// Files teammates own; until all exist the in-place test cannot run and says so in its name.
const TEAM_FILES = ["linux/levitate.config", "config/busybox.config", "config/files"];
const missing = TEAM_FILES.filter((path) => !existsSync(join(REPO, path)));

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
  await copyFile(join(REPO, "config/levitate.yaml"), await workspace.write("config/levitate.yaml", ""));
  await copyFile(join(REPO, "config/profiles/offline.yaml"), await workspace.write("config/profiles/offline.yaml", ""));
  // Teammates' files where they exist, stand-ins where they do not yet.
  for (const path of TEAM_FILES) {
    if (existsSync(join(REPO, path))) await cp(join(REPO, path), join(workspace.root, path), { recursive: true });
    else if (path !== "config/files") await workspace.write(path, "# stand-in\n");
  }
  const yaml = parse(await readFile(join(REPO, "config/levitate.yaml"), "utf8")) as {
    openrc: { runlevels: Record<string, string[]> };
  };
  for (const runlevel of RUNLEVELS) {
    for (const service of yaml.openrc.runlevels[runlevel] ?? []) {
      const script = `config/files/etc/init.d/${service}`;
      if (!OPENRC_LINUX_SERVICES.has(service) && !existsSync(join(REPO, script))) {
        await workspace.write(script, "#!/sbin/openrc-run\n", { executable: true });
      }
    }
  }
});
afterEach(() => workspace.remove());

describe("config/levitate.yaml", () => {
  it("loads with the upstream pins", async () => {
    const config = await loadConfig({ cwd: workspace.root, env: { HOME: workspace.root } });
    expect(config.toolchain).toEqual({
      flavour: "alpine",
      base: "alpine:3.22@sha256:14358309a308569c32bdc37e2e0e9694be33a9d99e68afb0f5ff33cc1f695dce",
    });
    expect(config.kernel.cmdline.split(" ")).toContain("console=ttyS0");
    expect(config.kernel.fragment).toBe(join(workspace.root, "linux/levitate.config"));
    expect(config.busybox.config).toBe(join(workspace.root, "config/busybox.config"));
    expect(config.files).toBe(join(workspace.root, "config/files"));
    expect(Object.values(config.sources).map(({ name, version, sha256 }) => [name, version, sha256])).toEqual([
      ["linux", "6.1.127", "18b0d41d1a7fbad56045cde0d7fc176bfb18361d29c9f07e57109bbf21bf7876"],
      ["busybox", "1.35.0", "faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694"],
      ["openrc", "0.54", "dcf40e559ad28a537aa48e027539295b3b3c318426e5c2c6f2c8bfa46c10e188"],
    ]);
  });

  it("loads with the offline profile: Debian toolchain and Debian's kernel tree", async () => {
    const config = await loadConfig({ cwd: workspace.root, env: { HOME: workspace.root, LEVITATE_PROFILE: "offline" } });
    expect(config.toolchain).toEqual({ flavour: "debian", base: "levitate/debian-base:bookworm" });
    expect(config.sources["linux"]).toEqual({
      name: "linux",
      version: "6.1.192",
      file: "linux-source-6.1.tar.xz",
      sha256: "4d415b3d364834fd818270e88813e90323bbfce4f519a0e6bd4940ddcd7df693",
      urls: [],
    });
    expect(config.sources["busybox"]?.file).toBe("busybox-1.35.0.tar.bz2");
  });

  it.skipIf(missing.length > 0)(
    `loads in place from the repository${missing.length > 0 ? ` (SKIPPED: missing ${missing.join(", ")})` : ""}`,
    async () => {
      for (const profile of [null, "offline"]) {
        const config = await loadConfig({ cwd: REPO, profile, env: { HOME: REPO } });
        expect(config.configFile).toBe(join(REPO, "config/levitate.yaml"));
      }
    },
  );
});
