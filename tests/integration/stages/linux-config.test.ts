// images/stages/linux.sh's config handling, run for real in the toolchain image against a stand-in kernel tree.
// The stand-in's Makefile answers the targets the stage calls (tinyconfig, syncconfig, bzImage) in a few
// milliseconds and resolves "dependencies" the way Kconfig would drop or force a symbol, so the stage's own
// logic is what is tested: merging the fragment over tinyconfig, the check that every setting survived,
// which make targets it runs, and what it keeps for the next build. Cost: a few seconds (no compile).
import { execa } from "execa";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, explain, runCli } from "../../helpers/cli.js";

// tinyconfig, as the stand-in writes it.
const TINY = ["CONFIG_64BIT=y", "# CONFIG_NET is not set", "CONFIG_B=y", "# CONFIG_PARENT is not set", "# CONFIG_SELECTOR is not set", ""].join("\n");

// The stand-in's Kconfig writes the config back without trailing blanks, as Kconfig does;
// CONFIG_NEEDS_PARENT=y without CONFIG_PARENT=y is dropped ("depends on"), and
// CONFIG_SELECTOR=y forces CONFIG_FORCED=y ("select"). Each target it runs is logged in /work/targets.
const MAKEFILE = `KCONFIG_CONFIG ?= $(O)/.config
tinyconfig:
\techo tinyconfig >> /work/targets
\tprintf '${TINY.replace(/\n/g, "\\n")}' > $(KCONFIG_CONFIG)
syncconfig:
\techo syncconfig >> /work/targets
\tsh resolve.sh $(KCONFIG_CONFIG) $(O)
bzImage:
\techo bzImage >> /work/targets
\tmkdir -p $(O)/arch/x86/boot $(O)/include/config
\techo bzImage > $(O)/arch/x86/boot/bzImage
\techo 6.12.0-stand-in > $(O)/include/config/kernel.release
`;
const RESOLVE = `set -eu
config=$1; objtree=$2
awk '
  { sub(/[ \t]+$/, ""); line[NR] = $0 }
  /^CONFIG_PARENT=y$/ { parent = 1 }
  /^CONFIG_SELECTOR=y$/ { selector = 1 }
  END {
    for (i = 1; i <= NR; i++) {
      l = line[i]
      if (l == "CONFIG_NEEDS_PARENT=y" && !parent) l = "# CONFIG_NEEDS_PARENT is not set"
      if (l == "# CONFIG_FORCED is not set" && selector) l = "CONFIG_FORCED=y"
      print l
    }
  }' "$config" > "$config.resolved"
mv "$config.resolved" "$config"
mkdir -p "$objtree/include/config"
cp "$config" "$objtree/include/config/auto.conf"
`;

const volume = `lv-linux-config-${process.pid}`;
let image: string;
let tarball: string;
let sha256: string;
let scratch: string;

/** Runs linux.sh once with this fragment, in the test's /work volume; the script's exit code, output and /out. */
async function stage(fragment: string): Promise<{ exitCode: number; output: string; config: string | null }> {
  await targets();
  const inDir = await mkdtemp(join(scratch, "in-"));
  const outDir = await mkdtemp(join(scratch, "out-"));
  await chmod(inDir, 0o755);
  await chmod(outDir, 0o777);
  await writeFile(join(inDir, "levitate.config"), fragment);
  await writeFile(join(inDir, "stage.sh"), await readFile(join(REPO, "images/stages/linux.sh")));
  await writeFile(join(inDir, "linux.tar.gz"), await readFile(tarball));
  const run = await execa(
    "docker",
    ["run", "--rm", "--network", "none", "--user", "0", "-v", `${volume}:/work`, "-v", `${inDir}:/in:ro`, "-v", `${outDir}:/out`,
      "-e", "SRC=/in/linux.tar.gz", "-e", `SRC_SHA256=${sha256}`, "-e", "JOBS=1", image, "sh", "/in/stage.sh"],
    { reject: false, all: true },
  );
  const config = await readFile(join(outDir, "kernel.config"), "utf8").catch(() => null);
  return { exitCode: run.exitCode ?? -1, output: String(run.all), config };
}

/** The make targets the stand-in ran since the last call. */
async function targets(): Promise<string[]> {
  const run = await execa("docker", ["run", "--rm", "--network", "none", "-v", `${volume}:/work`, image, "sh", "-c", "cat /work/targets 2>/dev/null; rm -f /work/targets"]);
  return run.stdout.split("\n").filter((l) => l !== "");
}

describe("linux stage: the kernel fragment over tinyconfig", () => {
  beforeAll(async () => {
    const plan = await runCli(["build", "linux", "--dry-run", "--minimal", "--profile", "offline"]);
    const found = /toolchain: (\S+)/.exec(plan.stdout + plan.stderr)?.[1];
    if (found === undefined) throw new Error(`no toolchain image in the plan:\n${explain(plan)}`);
    image = found;
    const present = await execa("docker", ["image", "inspect", image], { reject: false });
    if (present.exitCode !== 0) {
      const built = await runCli(["build", "grub", "--minimal", "--profile", "offline"]);
      if (built.exitCode !== 0) throw new Error(`could not make the toolchain image:\n${explain(built)}`);
    }
    scratch = await mkdtemp(join(tmpdir(), "lv-linux-config-"));
    const tree = join(scratch, "linux-stand-in");
    await mkdir(tree);
    await writeFile(join(tree, "Makefile"), MAKEFILE);
    await writeFile(join(tree, "resolve.sh"), RESOLVE);
    tarball = join(scratch, "linux.tar.gz");
    await execa("tar", ["-C", scratch, "-czf", tarball, "linux-stand-in"]);
    sha256 = createHash("sha256").update(await readFile(tarball)).digest("hex");
    await execa("docker", ["volume", "create", volume]);
  });

  afterAll(async () => {
    await execa("docker", ["volume", "rm", "-f", volume], { reject: false });
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it("replaces tinyconfig's lines for the fragment's symbols with the fragment, once resolved", async () => {
    const result = await stage("CONFIG_NET=y\r\n# CONFIG_B is not set\nCONFIG_PARENT=y\nCONFIG_NEEDS_PARENT=y\n");
    expect(result.exitCode, result.output).toBe(0);
    expect(result.config).toBe(["CONFIG_64BIT=y", "# CONFIG_SELECTOR is not set", "CONFIG_NET=y", "# CONFIG_B is not set", "CONFIG_PARENT=y", "CONFIG_NEEDS_PARENT=y", ""].join("\n"));
    expect(result.output).toContain("linux: .config changed");
    // One Kconfig run of the stage's own (syncconfig, which also leaves auto.conf for make) after tinyconfig.
    expect(await targets()).toEqual(["tinyconfig", "syncconfig", "bzImage"]);
  });

  it("keeps tinyconfig and an unchanged .config for the next build", async () => {
    const result = await stage("CONFIG_NET=y\r\n# CONFIG_B is not set\nCONFIG_PARENT=y\nCONFIG_NEEDS_PARENT=y\n");
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain("linux: .config unchanged");
    expect(await targets()).toEqual(["syncconfig", "bzImage"]);
  });

  it("names every setting Kconfig dropped or forced, and builds nothing", async () => {
    const result = await stage("CONFIG_NEEDS_PARENT=y\nCONFIG_SELECTOR=y\n# CONFIG_FORCED is not set\nCONFIG_64BIT=y   \n");
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain("linux: error: fragment settings missing from the final config (unmet dependencies?):\nCONFIG_NEEDS_PARENT=y (got: not set)\nCONFIG_FORCED=y (wanted: not set)");
    expect(result.output).not.toContain("CONFIG_64BIT");
    expect(result.config).toBeNull();
    expect(await targets()).toEqual(["syncconfig"]);
  });

  it("takes an empty fragment as tinyconfig itself", async () => {
    const result = await stage("");
    expect(result.exitCode, result.output).toBe(0);
    expect(result.config).toBe(TINY);
    expect(await targets()).toEqual(["syncconfig", "bzImage"]);
  });
});
