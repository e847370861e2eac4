// End to end, the OpenRC flavour (the default): build, boot, every configured service started, golden boot log.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheRoot } from "../../orchestrator/util/cache-root.js";
import { gunzipSync } from "node:zlib";
import { dynamicLinkReason, isElf } from "../../orchestrator/initramfs/elf-static.js";
import { REPO, explain, runCli } from "../helpers/cli.js";
import { readNewc } from "../helpers/cpio-read.js";
import { expectGolden, goldenPath } from "../helpers/golden.js";
import { copyProject } from "../helpers/project-copy.js";

const OPENRC_FILE = "openrc-0.54.tar.gz";
const OPENRC_SHA256 = "c84ff1d8e468c043fe136d11d3d34d6bb28328267d1352526a5d18cdf4c60fb0";

/** OpenRC's source cannot be downloaded on every machine; without it these cases are skipped, loudly. */
function openrcTarball(): string | undefined {
  const root = cacheRoot();
  const mirror = process.env.LEVITATE_MIRROR ?? join(root, "mirror");
  return [join(root, "downloads", OPENRC_SHA256, OPENRC_FILE), join(mirror, OPENRC_FILE), join(mirror, OPENRC_SHA256, OPENRC_FILE)].find((p) => existsSync(p));
}

const tarball = openrcTarball();
const skipWhy = tarball === undefined
  ? ` (SKIPPED: ${OPENRC_FILE} (sha256 ${OPENRC_SHA256}) is in neither the download cache nor the mirror ${process.env.LEVITATE_MIRROR ?? join(cacheRoot(), "mirror")}; put it there to run this)`
  : "";
if (tarball === undefined) process.stderr.write(`openrc e2e:${skipWhy}\n`);

describe.skipIf(tarball === undefined)(`OpenRC flavour, offline profile${skipWhy}`, () => {
  it("builds, boots to the OpenRC shell, every configured service is started, and the boot log matches the golden file", async () => {
    const built = await runCli(["build", "--profile", "offline"]);
    expect(built.exitCode, explain(built)).toBe(0);
    const bootLog = join(tmpdir(), `levitate-boot-${process.pid}.log`);
    const junit = join(tmpdir(), `levitate-junit-${process.pid}.xml`);
    const tested = await runCli(["test", "--profile", "offline", "--boot-log", bootLog, "--junit", junit]);
    expect(tested.exitCode, explain(tested)).toBe(0);
    expect(tested.stdout).toMatch(/uname -r: 6\.1\.\d+/);
    for (const service of ["devfs", "dmesg", "sysfs", "hostname", "bootmisc", "syslogd", "klogd", "loopback"]) {
      expect(tested.stdout).toMatch(new RegExp(`ok +service ${service} \\(\\w+\\) is started`));
    }
    expect(await readFile(junit, "utf8")).toMatch(/<testsuite [^>]*failures="0"/);

    // Every ELF file in the image is statically linked (the initramfs stage refuses others; this reads the result).
    const entries = readNewc(gunzipSync(await readFile(join(REPO, "out", "initramfs.cpio.gz"))));
    const elves = entries.filter((e) => (e.mode & 0o170000) === 0o100000 && isElf(e.data));
    expect(elves.map((e) => e.name)).toEqual(expect.arrayContaining(["bin/busybox", "sbin/openrc", "bin/rc-status"]));
    expect(elves.flatMap((e) => (dynamicLinkReason(e.data) === null ? [] : [`${e.name}: ${dynamicLinkReason(e.data)}`]))).toEqual([]);
    expectGolden("boot/openrc.log", await readFile(bootLog, "utf8"));
  });

  it("the golden boot log catches a service removed from the config", async () => {
    const project = await copyProject("openrc-less", { sharedCache: true });
    try {
      const text = await readFile(project.configFile, "utf8");
      await writeFile(project.configFile, text.replace("boot: [hostname, bootmisc, syslogd, klogd, loopback]", "boot: [hostname, bootmisc, syslogd, loopback]"));
      const bootLog = join(project.dir, "boot.log");
      const tested = await runCli(["test", "--profile", "offline", "--config", project.configFile, "--boot-log", bootLog], { env: project.env });
      expect(tested.exitCode, explain(tested)).toBe(0);
      const log = await readFile(bootLog, "utf8");
      expect(log).not.toContain("Starting klogd");
      expect(log).not.toBe(await readFile(goldenPath("boot/openrc.log"), "utf8"));
    } finally {
      await project.dispose();
    }
  });
});
