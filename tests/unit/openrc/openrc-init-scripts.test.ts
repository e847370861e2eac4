// pruneInitScripts: the image keeps the runlevel services' init scripts and what they need, want or get from a provider, and drops the rest.
import { describe, expect, it } from "vitest";
import { OPENRC_VERSION } from "../../../orchestrator/config/openrc-services.js";
import { OPENRC_FILE, openrcSkipReason, readMember, requireOpenrcTarball } from "../../helpers/openrc-tarball.js";
import { textFileEntry } from "../../../orchestrator/initramfs/manifest.js";
import type { ManifestEntry } from "../../../orchestrator/initramfs/manifest.js";
import { RC_CGROUP_SH, initScriptsToKeep, pruneCgroupSupport, pruneInitScripts, scriptDepends } from "../../../orchestrator/initramfs/openrc-init-scripts.js";

const skip = openrcSkipReason();

function script(depend: string): string {
  return `#!/sbin/openrc-run\n\ndescription="x"\n\ndepend()\n{\n${depend}\n}\n\nstart() {\n\tneed_not_this=1\n}\n`;
}

function initD(name: string, depend: string): ManifestEntry {
  return textFileEntry(`etc/init.d/${name}`, script(depend), 0o755);
}

function initDNames(entries: readonly ManifestEntry[]): string[] {
  return entries.flatMap((entry) => /^etc\/init\.d\/(.+)$/.exec(entry.path)?.[1] ?? []).sort();
}

describe("scriptDepends", () => {
  it("reads the literal names after need, want and provide inside depend() only", () => {
    const text = script("\tneed localmount $extra\n\twant seedrng # comment\n\tuse clock\n\tafter root\n\tprovide logger");
    expect(scriptDepends(text)).toEqual({ pulls: ["localmount", "seedrng"], provides: ["logger"] });
  });

  it("finds nothing in a script without depend()", () => {
    expect(scriptDepends("#!/sbin/openrc-run\nstart() {\n\tneed x\n}\n")).toEqual({ pulls: [], provides: [] });
  });
});

describe("initScriptsToKeep", () => {
  it("follows need and want transitively, and a virtual name to every script that provides it", () => {
    const scripts = new Map([
      ["bootmisc", script("\tneed localmount\n\tbefore logger")],
      ["localmount", script("\tneed fsck root")],
      ["fsck", script("\tuse dev clock")],
      ["root", script("\tneed fsck")],
      ["klogd", script("\tneed logger")],
      ["syslogd", script("\tprovide logger")],
      ["hwclock", script("\tprovide clock")],
      ["agetty", script("")],
    ]);
    expect([...initScriptsToKeep(scripts, ["bootmisc", "klogd"])].sort()).toEqual(
      ["bootmisc", "fsck", "klogd", "localmount", "root", "syslogd"],
    );
  });
});

describe("pruneInitScripts", () => {
  it("drops the OpenRC scripts no runlevel leads to, keeps helpers, other files and config/files' own scripts' needs", () => {
    const tree = [
      initD("devfs", "\tprovide dev-mount"),
      initD("agetty", ""),
      initD("swap", "\tneed localmount"),
      initD("localmount", "\tneed fsck"),
      initD("fsck", ""),
      textFileEntry("etc/init.d/functions.sh", "# helpers\n"),
      textFileEntry("etc/conf.d/agetty", "baud=\n"),
      { kind: "symlink", path: "etc/init.d/agetty.ttyS0", target: "agetty" } as const,
    ];
    const files = [initD("mine", "\tneed localmount")];
    const pruned = pruneInitScripts(tree, files, ["devfs", "mine"]);
    expect(initDNames(pruned)).toEqual(["agetty.ttyS0", "devfs", "fsck", "functions.sh", "localmount"]);
    expect(pruned.map((entry) => entry.path)).toContain("etc/conf.d/agetty");
  });
});

describe("pruneCgroupSupport", () => {
  const tree = [
    textFileEntry("lib/rc/sh/openrc-run.sh", "#!/bin/sh\n", 0o755),
    textFileEntry(RC_CGROUP_SH, "cgroup_add_service() { :; }\n", 0o644),
    textFileEntry("lib/rc/sh/rc-functions.sh", "\n", 0o644),
  ];

  it("leaves OpenRC's cgroup helper out unless cgroups are asked for, and nothing else", () => {
    expect(pruneCgroupSupport(tree, false).map((entry) => entry.path)).toEqual(["lib/rc/sh/openrc-run.sh", "lib/rc/sh/rc-functions.sh"]);
    expect(pruneCgroupSupport(tree, true)).toEqual(tree);
  });

  it.skipIf(skip !== null)(`is the file ${OPENRC_FILE}'s openrc-run.sh sources only when it exists${skip === null ? "" : ` (${skip})`}`, async () => {
    const archive = requireOpenrcTarball();
    const runner = await readMember(archive, `openrc-${OPENRC_VERSION}/sh/openrc-run.sh.in`);
    const sourced = [...runner.matchAll(/sourcex( -e)? "@LIBEXECDIR@\/(sh\/rc-cgroup\.sh)"/g)];
    // Once, with -e: absent, it is skipped, not an error.
    expect(sourced.map((m) => [m[1], `lib/rc/${m[2]}`])).toEqual([[" -e", RC_CGROUP_SH]]);
    expect(await readMember(archive, `openrc-${OPENRC_VERSION}/sh/meson.build`)).toContain("'rc-cgroup.sh'");
  });
});
