// Black-box tests of loadConfig on valid input: resolution, profiles, env, mirrors, defaults, freezing.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import type { Workspace } from "./workspace.js";
import { createWorkspace, writeSupportFiles } from "./workspace.js";

let workspace: Workspace;
let root: string;
beforeEach(async () => {
  workspace = await createWorkspace();
  root = workspace.root;
  await writeSupportFiles(workspace);
  await workspace.fixture("valid.yaml", "config/levitate.yaml");
  await workspace.fixture("profiles/small.yaml", "config/profiles/small.yaml");
  await workspace.write("config/profiles/patches/0002-profile.patch", "");
});
afterEach(() => workspace.remove());

const load = (options: Parameters<typeof loadConfig>[0] = {}) =>
  loadConfig({ cwd: root, ...options, env: { HOME: root, ...options.env } });

describe("loadConfig", () => {
  it("resolves paths against the config file, expands ~, fills defaults and ensures the console", async () => {
    const config = await load();
    expect(config).toMatchObject({
      configFile: join(root, "config/levitate.yaml"),
      configDir: join(root, "config"),
      profile: null,
      profileFile: null,
      name: "testos",
      hostname: "testhost",
      toolchain: { flavour: "alpine", base: "alpine:3.22" },
      kernel: {
        source: "linux",
        fragment: join(root, "linux/levitate.config"),
        patches: [join(root, "linux/patches/0001-base.patch")],
        cmdline: "quiet console=ttyS0",
      },
      busybox: { source: "busybox", config: join(root, "config/busybox.config") },
      openrc: {
        source: "openrc",
        runlevels: { sysinit: ["devfs", "dmesg"], boot: ["hostname", "klogd"], default: [], shutdown: ["killprocs"] },
      },
      init: { console: "ttyS0", login: "shell" },
      files: join(root, "config/files"),
      mirror: join(root, "mirror"),
      vm: { memory: "256M", cpus: 1 },
    });
    expect(config.sources["openrc"]).toEqual({
      name: "openrc",
      version: "0.54",
      file: "openrc-0.54.tar.gz",
      sha256: "c84ff1d8e468c043fe136d11d3d34d6bb28328267d1352526a5d18cdf4c60fb0",
      urls: [],
    });
  });

  it("returns a deeply frozen config", async () => {
    const config = await load();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.kernel.patches)).toBe(true);
    expect(Object.isFrozen(config.openrc.runlevels.boot)).toBe(true);
    expect(Object.isFrozen(config.sources["linux"]?.urls)).toBe(true);
  });

  it("merges a profile: mappings recursively, sequences replaced, its paths relative to itself", async () => {
    const config = await load({ profile: "small" });
    expect(config.profile).toBe("small");
    expect(config.profileFile).toBe(join(root, "config/profiles/small.yaml"));
    expect(config.kernel.patches).toEqual([join(root, "config/profiles/patches/0002-profile.patch")]);
    expect(config.kernel.fragment).toBe(join(root, "linux/levitate.config"));
    expect(config.openrc.runlevels).toEqual({
      sysinit: ["devfs", "dmesg"],
      boot: ["hostname", "klogd"],
      default: ["local"],
      shutdown: ["killprocs"],
    });
    expect(config.vm).toEqual({ memory: "1G", cpus: 1 });
    expect(config.sources["linux"]).toMatchObject({ version: "6.1.192-debian", file: "linux-source-6.1.tar.xz", urls: [] });
    expect(config.sources["busybox"]?.version).toBe("1.35.0");
  });

  it("takes the profile from LEVITATE_PROFILE, and the option over it", async () => {
    expect((await load({ env: { LEVITATE_PROFILE: "small" } })).profile).toBe("small");
    expect((await load({ profile: "small", env: { LEVITATE_PROFILE: "absent" } })).profile).toBe("small");
    expect((await load({ profile: null, env: { LEVITATE_PROFILE: "small" } })).profile).toBe("small");
    expect((await load({ env: { LEVITATE_PROFILE: "" } })).profile).toBeNull();
  });

  it("takes the mirror from --mirror, else LEVITATE_MIRROR (both relative to cwd), else the config", async () => {
    await mkdir(join(root, "flag-mirror"));
    await mkdir(join(root, "env-mirror"));
    const sub = join(root, "config");
    expect((await load()).mirror).toBe(join(root, "mirror"));
    expect((await load({ env: { LEVITATE_MIRROR: "env-mirror" } })).mirror).toBe(join(root, "env-mirror"));
    expect((await load({ mirror: "flag-mirror", env: { LEVITATE_MIRROR: "env-mirror" } })).mirror).toBe(join(root, "flag-mirror"));
    expect((await load({ cwd: sub, configPath: "levitate.yaml", mirror: "../flag-mirror" })).mirror).toBe(
      join(root, "flag-mirror"),
    );
  });

  it("keeps a console= already on the command line and adds the init console otherwise", async () => {
    await workspace.write("config/profiles/hvc.yaml", "init:\n  console: hvc0\nkernel:\n  cmdline: console=hvc0 quiet\n");
    expect((await load({ profile: "hvc" })).kernel.cmdline).toBe("console=hvc0 quiet");
    await workspace.write("config/profiles/tty.yaml", "init:\n  console: tty1\n");
    expect((await load({ profile: "tty" })).kernel.cmdline).toBe("quiet console=tty1");
  });
});
