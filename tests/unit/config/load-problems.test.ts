// Black-box tests of loadConfig's problem reports: every class, with file, line and key path.
import { readFile, writeFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import type { Workspace } from "./workspace.js";
import { createWorkspace, writeSupportFiles } from "./workspace.js";

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
  await writeSupportFiles(workspace);
});
afterEach(() => workspace.remove());

/** Loads and returns the thrown UserError (failing the test if loading succeeds). */
async function failure(options: Parameters<typeof loadConfig>[0] = {}): Promise<UserError> {
  const env = { HOME: workspace.root, ...options.env };
  const error = await loadConfig({ cwd: workspace.root, ...options, env }).then(
    () => new Error("expected loadConfig to fail"),
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof UserError)) throw error;
  return error;
}

describe("loadConfig problems", () => {
  it("reports every schema and semantic problem at once, sorted by line", async () => {
    await workspace.fixture("many-problems.yaml", "config/levitate.yaml");
    const error = await failure();
    const allowedKeys = "sysinit, boot, default, shutdown";
    const orService = "expected a service OpenRC 0.54 installs on Linux or a script";
    expect(error.details).toEqual([
      'config/levitate.yaml:3 hostname: expected a host name (RFC 1123 label: letters, digits, \'-\', at most 63), got "-bad-host-"',
      'config/levitate.yaml:5 toolchain.flavour: expected one of "alpine", "debian", got "arch"',
      "config/levitate.yaml:7 toolchain.extra: unknown key; expected one of: flavour, base",
      'config/levitate.yaml:9 kernel.source: expected a key of sources (busybox, linux, openrc), got "linx"',
      'config/levitate.yaml:10 kernel.fragment: expected a path to an existing file, got "../linux/missing.config" (no such file: linux/missing.config)',
      'config/levitate.yaml:11 kernel.patches[1]: expected a path to an existing file, got "nope.patch" (no such file: config/nope.patch)',
      "config/levitate.yaml:12 busybox.config: missing required key (expected a string)",
      'config/levitate.yaml:18 openrc.runlevels.boot[0]: expected each service in one runlevel once, got "devfs" again (already in sysinit)',
      `config/levitate.yaml:18 openrc.runlevels.boot[2]: ${orService} config/files/etc/init.d/nosuchsvc, got "nosuchsvc"`,
      `config/levitate.yaml:18 openrc.runlevels.boot[3]: ${orService} config/files/etc/init.d/noexec, got "noexec" (config/files/etc/init.d/noexec does not start with #!)`,
      `config/levitate.yaml:19 openrc.runlevels.late: unknown key; expected one of: ${allowedKeys}`,
      'config/levitate.yaml:21 init.console: expected a console device like ttyS0, tty1 or hvc0 (without /dev/), got "/dev/ttyS0"',
      'config/levitate.yaml:22 init.login: expected one of "shell", "autologin", got "getty"',
      'config/levitate.yaml:25 vm.memory: expected a memory size like 256M or 1G, got "256MB"',
      'config/levitate.yaml:26 vm.cpus: expected a whole number of CPUs from 1 to 64, got "two"',
      'config/levitate.yaml:30 sources.linux.file: expected a plain file name (no slashes), got "linux/linux-6.1.127.tar.xz"',
      'config/levitate.yaml:31 sources.linux.sha256: expected a sha256: 64 lower-case hex digits, got "18B0D41D"',
      'config/levitate.yaml:32 sources.linux.urls[0]: expected an http:// or https:// URL, got "ftp://example.org/linux.tar.xz"',
      "config/levitate.yaml:39 sources.openrc.version: expected a string, got 0.54 (put it in quotes)",
    ]);
    expect(error.message).toBe("config/levitate.yaml: 19 problems");
  });

  it("reports a YAML syntax error with line and column (where the unclosed [ opens), and stops there", async () => {
    await workspace.fixture("syntax-error.yaml", "config/levitate.yaml");
    const error = await failure();
    expect(error.message).toBe("config/levitate.yaml: 1 problem");
    expect(error.details).toEqual([
      "config/levitate.yaml:4:12: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (the [ that opens here is still open at line 5, column 3)",
    ]);
  });

  it("reports a duplicate key with its path and the line of the first one", async () => {
    await workspace.fixture("duplicate-key.yaml", "config/levitate.yaml");
    const error = await failure();
    expect(error.details).toContain("config/levitate.yaml:6 kernel.source: expected each key once, got it again (first at line 4)");
  });

  it("reports missing top-level keys against the first line of the file", async () => {
    await workspace.write("config/levitate.yaml", "# only a name\nname: testos\n");
    const error = await failure();
    expect(error.details).toContain("config/levitate.yaml:2 hostname: missing required key (expected a string)");
    expect(error.details).toContain("config/levitate.yaml:2 sources: missing required key (expected a mapping)");
  });

  it("reports an empty file as a wrong type at the top level", async () => {
    await workspace.write("config/levitate.yaml", "# nothing here\n");
    const error = await failure();
    expect(error.details).toEqual(["config/levitate.yaml:1: expected a mapping, got null (an empty value)"]);
  });

  it("suggests the allowed key closest to a misspelt one", async () => {
    const valid = await workspace.fixture("valid.yaml", "config/levitate.yaml");
    await writeFile(valid, (await readFile(valid, "utf8")).replace("  fragment:", "  fragmnet:"));
    const error = await failure();
    expect(error.details).toEqual([
      "config/levitate.yaml:7 kernel.fragment: missing required key (expected a string)",
      'config/levitate.yaml:9 kernel.fragmnet: unknown key; expected one of: source, fragment, patches, cmdline (did you mean "fragment"?)',
    ]);
  });

  it("takes build.parallel from 1 to 8 stages (default 2) and names the key of anything else", async () => {
    const valid = await workspace.fixture("valid.yaml", "config/levitate.yaml");
    const text = await readFile(valid, "utf8");
    const loadWith = async (build: string) => {
      await writeFile(valid, `${text}\nbuild:\n${build}\n`);
      return loadConfig({ cwd: workspace.root, env: { HOME: workspace.root } });
    };
    await writeFile(valid, text);
    expect((await loadConfig({ cwd: workspace.root, env: { HOME: workspace.root } })).build.parallel).toBe(2);
    expect((await loadWith("  parallel: 1")).build.parallel).toBe(1);
    const line = text.split("\n").length + 2;
    for (const [value, expected] of [
      ["0", "expected at least 1 stage, got 0"],
      ["9", "expected at most 8 stages, got 9"],
      ["two", 'expected a whole number of stages from 1 to 8, got "two"'],
      ["1.5", "expected a whole number of stages from 1 to 8, got 1.5"],
    ] as const) {
      await writeFile(valid, `${text}\nbuild:\n  parallel: ${value}\n`);
      expect((await failure()).details).toEqual([`config/levitate.yaml:${line} build.parallel: ${expected}`]);
    }
  });

  it("asks for openrc.cgroups with the cgroups service, and loads once it is set", async () => {
    const valid = await workspace.fixture("valid.yaml", "config/levitate.yaml");
    const text = (await readFile(valid, "utf8")).replace("sysinit: [devfs, dmesg]", "sysinit: [devfs, cgroups, dmesg]");
    await writeFile(valid, text);
    const error = await failure();
    expect(error.details).toEqual([
      'config/levitate.yaml:18 openrc.runlevels.sysinit[1]: expected openrc.cgroups: true with the cgroups service (it mounts the cgroup filesystems; without openrc.cgroups OpenRC\'s cgroup support is left out of the image), got "cgroups" with openrc.cgroups: false',
    ]);
    await writeFile(valid, text.replace("  runlevels:", "  cgroups: true\n  runlevels:"));
    const loaded = await loadConfig({ cwd: workspace.root, env: { HOME: workspace.root } });
    expect(loaded.openrc.cgroups).toBe(true);
    expect(loaded.openrc.runlevels.sysinit).toEqual(["devfs", "cgroups", "dmesg"]);
  });

  it("reports an unreadable config file", async () => {
    const error = await failure({ configPath: "config/absent.yaml" });
    expect(error.message).toBe("config/absent.yaml: 1 problem");
    expect(error.details).toEqual(["config/absent.yaml: expected a readable YAML file, got no such file"]);
  });

  it("shows paths outside the working directory as absolute", async () => {
    await workspace.fixture("syntax-error.yaml", "config/levitate.yaml");
    const elsewhere = await createWorkspace();
    try {
      const error = await failure({ cwd: elsewhere.root, configPath: `${workspace.root}/config/levitate.yaml` });
      expect(error.details[0]).toMatch(new RegExp(`^${workspace.root}/config/levitate\\.yaml:4:12: `));
    } finally {
      await elsewhere.remove();
    }
  });

  it("reports an unknown profile with the profiles there are", async () => {
    await workspace.fixture("valid.yaml", "config/levitate.yaml");
    await workspace.fixture("profiles/small.yaml", "config/profiles/small.yaml");
    const error = await failure({ profile: "big" });
    expect(error.message).toBe('--profile: expected one of small, got "big"');
    expect(error.details).toEqual(["profiles are files config/profiles/NAME.yaml", "available profiles: small"]);
    const fromEnv = await failure({ env: { LEVITATE_PROFILE: "../valid" } });
    expect(fromEnv.message).toBe('LEVITATE_PROFILE: expected one of small, got "../valid"');
  });

  it("with a profile, a missing or empty config file is reported as itself, not as the profile's problem", async () => {
    await workspace.fixture("profiles/small.yaml", "config/profiles/small.yaml");
    const missing = await failure({ profile: "small", configPath: "elsewhere/levitate.yaml" });
    expect(missing.message).toBe("elsewhere/levitate.yaml: 1 problem");
    expect(missing.details).toEqual(["elsewhere/levitate.yaml: expected a readable YAML file, got no such file"]);
    await workspace.write("config/levitate.yaml", "");
    const empty = await failure({ profile: "small" });
    expect(empty.message).toBe("config/levitate.yaml: 1 problem");
    expect(empty.details).toEqual(["config/levitate.yaml:1: expected a mapping, got null (an empty value)"]);
    await workspace.write("config/levitate.yaml", "- a\n- b\n");
    expect((await failure({ profile: "small" })).details).toEqual(["config/levitate.yaml:1: expected a mapping, got a list of 2"]);
  });

  it("reports problems set by a profile against the profile file and its lines", async () => {
    await workspace.fixture("valid.yaml", "config/levitate.yaml");
    await workspace.fixture("profiles/broken.yaml", "config/profiles/broken.yaml");
    const error = await failure({ profile: "broken" });
    expect(error.message).toBe("config/levitate.yaml with profile broken: 7 problems");
    expect(error.details).toEqual([
      'config/profiles/broken.yaml:3 toolchain.flavour: expected one of "alpine", "debian", got "arch"',
      'config/profiles/broken.yaml:5 kernel.fragment: expected a path to an existing file, got "missing.config" (no such file: config/profiles/missing.config)',
      "config/profiles/broken.yaml:7 vm.cpus: expected at least 1 CPU, got 0",
      'config/profiles/broken.yaml:10 sources.linux.sha256: expected a sha256: 64 lower-case hex digits, got "NOT-A-HASH"',
      // A mapping only the profile has: its missing keys are the profile's.
      "config/profiles/broken.yaml:11 sources.extra.file: missing required key (expected a string)",
      "config/profiles/broken.yaml:11 sources.extra.sha256: missing required key (expected a string)",
      "config/profiles/broken.yaml:11 sources.extra.urls: missing required key (expected a list)",
    ]);
  });

  it("reports bad keys of a record and wrong container types from a profile", async () => {
    await workspace.fixture("valid.yaml", "config/levitate.yaml");
    const pin = `{version: "1", file: a.tar, sha256: ${"0".repeat(64)}, urls: []}`;
    await workspace.write("config/profiles/keys.yaml", `kernel:\n  patches: a.patch\nsources:\n  Linux2: ${pin}\n`);
    const error = await failure({ profile: "keys" });
    expect(error.details).toEqual([
      'config/profiles/keys.yaml:2 kernel.patches: expected a list, got "a.patch"',
      "config/profiles/keys.yaml:4 sources.Linux2: expected a source name (lower-case letters, digits, '_', '-') as key, got \"Linux2\"",
    ]);
  });

  it("reports a YAML syntax error in a profile against the profile", async () => {
    await workspace.fixture("valid.yaml", "config/levitate.yaml");
    await workspace.write("config/profiles/bad.yaml", "vm:\n  cpus: 2\n  memory: : 1G\n");
    const error = await failure({ env: { LEVITATE_PROFILE: "bad" } });
    expect(error.message).toBe("config/levitate.yaml with profile bad: 1 problem");
    expect(error.details).toEqual([
      "config/profiles/bad.yaml:3:11: YAML syntax error: Nested mappings are not allowed in compact mappings",
    ]);
  });

  it("reports a missing mirror against the setting that named it", async () => {
    await workspace.fixture("valid.yaml", "config/levitate.yaml");
    const fromEnv = await failure({ env: { LEVITATE_MIRROR: "nowhere" } });
    expect(fromEnv.details).toEqual([
      'LEVITATE_MIRROR: expected a path to an existing directory, got "nowhere"',
    ]);
    const fromFlag = await failure({ mirror: "~/gone", env: { LEVITATE_MIRROR: "mirror" } });
    expect(fromFlag.details).toEqual([`--mirror: expected a path to an existing directory, got "~/gone" (no such directory: gone)`]);
    const fromConfig = await failure({ env: { HOME: `${workspace.root}/config` } });
    expect(fromConfig.details).toEqual([
      'config/levitate.yaml:24 mirror: expected a path to an existing directory, got "~/mirror" (no such directory: config/mirror)',
    ]);
  });
});
