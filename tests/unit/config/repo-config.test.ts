// The shipped config/levitate.yaml and its offline profile must load, with the upstream pins they promise.
import { copyFile, cp } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import type { Workspace } from "./workspace.js";
import { REPO, createWorkspace } from "./workspace.js";

// The files the shipped config points at; a copy of all of them makes a workspace.
const REFERENCED_FILES = ["linux/levitate.config", "config/busybox.config", "config/files"];

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
  await copyFile(join(REPO, "config/levitate.yaml"), await workspace.write("config/levitate.yaml", ""));
  await copyFile(join(REPO, "config/profiles/offline.yaml"), await workspace.write("config/profiles/offline.yaml", ""));
  for (const path of REFERENCED_FILES) await cp(join(REPO, path), join(workspace.root, path), { recursive: true });
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
      ["linux", "6.12.104", "949d166a1263bd0cf0c5aab44eeb57869615099e7c48bf88d0e4adb77379b999"],
      ["busybox", "1.37.0", "3311dff32e746499f4df0d5df04d7eb396382d7e108bb9250e7b519b837043a4"],
      ["openrc", "0.54", "c84ff1d8e468c043fe136d11d3d34d6bb28328267d1352526a5d18cdf4c60fb0"],
    ]);
  });

  it("loads with the offline profile: Debian toolchain and Debian's kernel tree", async () => {
    const config = await loadConfig({ cwd: workspace.root, env: { HOME: workspace.root, LEVITATE_PROFILE: "offline" } });
    expect(config.toolchain).toEqual({ flavour: "debian", base: "levitate/debian-base:bookworm" });
    expect(config.sources["linux"]).toEqual({
      name: "linux",
      version: "6.12.117",
      file: "linux-source-6.12.tar.xz",
      sha256: "585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f",
      urls: [],
    });
    expect(config.sources["busybox"]?.file).toBe("busybox-1.37.0.tar.bz2");
  });

  it(
    "loads in place from the repository",
    async () => {
      for (const profile of [null, "offline"]) {
        const config = await loadConfig({ cwd: REPO, profile, env: { HOME: REPO } });
        expect(config.configFile).toBe(join(REPO, "config/levitate.yaml"));
      }
    },
  );
});
