// minimalLayout: BusyBox init's /etc for the configured console and login, checked by a real shell where it matters.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeCpio } from "../../../orchestrator/initramfs/cpio.js";
import type { Manifest } from "../../../orchestrator/initramfs/manifest.js";
import { minimalLayout } from "../../../orchestrator/initramfs/minimal-layout.js";
import { configFixture } from "../../helpers/config-fixture.js";
import { runTool, runToolOk } from "./host-tools.js";

const scratch = mkdtempSync(join(tmpdir(), "levitate-layout-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function text(layout: Manifest, path: string): string {
  const entry = layout.find((e) => e.path === path);
  if (entry?.kind !== "file") throw new Error(`expected a file ${path} in the layout, got ${entry?.kind ?? "nothing"}`);
  return new TextDecoder().decode(entry.data);
}

function mode(layout: Manifest, path: string): number | undefined {
  const entry = layout.find((e) => e.path === path);
  return entry !== undefined && "mode" in entry ? entry.mode : undefined;
}

/** Writes `content` to a scratch file and runs `sh -c script` with it as $1. */
function shellWith(content: string, script: string): string {
  const file = join(scratch, `f${Math.random().toString(16).slice(2)}`);
  writeFileSync(file, content);
  return runToolOk("sh", ["-c", script, "sh", file]).toString("utf8");
}

const inittabLines = (layout: Manifest): string[] => text(layout, "etc/inittab").split("\n").filter((l) => l !== "" && !l.startsWith("#"));

describe("minimalLayout", () => {
  it("starts a login shell on the configured console when init.login is shell", () => {
    const layout = minimalLayout(configFixture({ init: { console: "ttyS1", login: "shell" } }));
    expect(inittabLines(layout)).toEqual([
      "::sysinit:/etc/init.d/rcS",
      "ttyS1::respawn:-/bin/sh",
      "::ctrlaltdel:/sbin/reboot",
      "::shutdown:/bin/sync",
      "::shutdown:/bin/umount -a -r",
      "::restart:/sbin/init",
    ]);
    expect(layout.some((e) => e.path === "sbin/autologin")).toBe(false);
  });

  it("runs getty with an autologin helper when init.login is autologin", () => {
    const layout = minimalLayout(configFixture({ init: { console: "hvc0", login: "autologin" } }));
    expect(inittabLines(layout)).toContain("hvc0::respawn:/sbin/getty -L -n -l /sbin/autologin 0 hvc0 vt100");
    expect(mode(layout, "sbin/autologin")).toBe(0o755);
    expect(text(layout, "sbin/autologin")).toMatch(/^#!\/bin\/sh\n(#.*\n)*exec \/bin\/login -f root\n$/);
    runToolOk("sh", ["-n", "-c", text(layout, "sbin/autologin")]);
  });

  it("has an rcS that a POSIX shell parses and that mounts, names and brings up what early boot needs", () => {
    const layout = minimalLayout(configFixture());
    const rcS = text(layout, "etc/init.d/rcS");
    expect(mode(layout, "etc/init.d/rcS")).toBe(0o755);
    const syntax = runTool("sh", ["-n"], { input: Buffer.from(rcS) });
    expect(syntax.stderr).toBe("");
    expect(syntax.status).toBe(0);
    for (const [type, dir] of [["proc", "/proc"], ["sysfs", "/sys"], ["devtmpfs", "/dev"], ["devpts", "/dev/pts"], ["tmpfs", "/run"], ["tmpfs", "/tmp"]]) {
      expect(rcS).toMatch(new RegExp(`mount -t ${type} -o \\S+ \\S+ ${dir}\\n`));
    }
    expect(rcS).toContain("hostname -F /etc/hostname\n");
    expect(rcS).toContain("ip link set lo up 2>/dev/null || ifconfig lo up\n");
  });

  it("has an rcS whose mount-point test reads /proc/mounts correctly", () => {
    const rcS = text(minimalLayout(configFixture()), "etc/init.d/rcS");
    const mounted = rcS.slice(rcS.indexOf("mounted() {"), rcS.indexOf("}\n") + 2).replaceAll("/proc/mounts", '"$MOUNTS"');
    const mounts = "proc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\n";
    const script = `MOUNTS="$1"\n${mounted}\nfor d in /proc /sys /dev /pro; do mounted "$d" && echo "$d yes" || echo "$d no"; done`;
    expect(shellWith(mounts, script)).toBe("/proc yes\n/sys yes\n/dev no\n/pro no\n");
  });

  it("names the system and its distribution (os-release parses in a shell)", () => {
    const layout = minimalLayout(configFixture({ hostname: "box-1", name: "my-distro" }));
    expect(text(layout, "etc/hostname")).toBe("box-1\n");
    const fields = shellWith(text(layout, "etc/os-release"), '. "$1"; printf "%s|%s|%s|%s|%s" "$NAME" "$ID" "$IMAGE_ID" "$VARIANT_ID" "$PRETTY_NAME"');
    expect(fields).toBe("LevitateOS|levitateos|my-distro|minimal|LevitateOS (BusyBox init)");
  });

  it("has root in passwd, group and a locked shadow entry readable only by root", () => {
    const layout = minimalLayout(configFixture());
    expect(text(layout, "etc/passwd")).toBe("root:x:0:0:root:/root:/bin/sh\n");
    expect(text(layout, "etc/group").split("\n")[0]).toBe("root:x:0:");
    expect(text(layout, "etc/shadow").split(":")).toHaveLength(9);
    expect(text(layout, "etc/shadow").startsWith("root:*:")).toBe(true);
    expect(mode(layout, "etc/shadow")).toBe(0o600);
  });

  it("has a profile whose prompt ends with '# ' and whose PATH covers the applet directories", () => {
    const out = shellWith(text(minimalLayout(configFixture()), "etc/profile"), '. "$1"; printf "%s|%s" "$PS1" "$PATH"');
    const [ps1, path] = out.split("|");
    expect(ps1).toBe("\\u@\\h:\\w# ");
    expect(path?.split(":").sort()).toEqual(["/bin", "/sbin", "/usr/bin", "/usr/sbin"]);
  });

  it("is a valid manifest on its own (every parent present)", () => {
    for (const login of ["shell", "autologin"] as const) {
      expect(writeCpio(minimalLayout(configFixture({ init: { console: "ttyS0", login } }))).length).toBeGreaterThan(0);
    }
  });
});
