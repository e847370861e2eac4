// assembleInitramfs: the layers, their precedence, /init, and a golden listing of the minimal image.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { assembleInitramfs } from "../../../orchestrator/initramfs/assemble.js";
import type { AssembleInput } from "../../../orchestrator/initramfs/assemble.js";
import { writeCpio } from "../../../orchestrator/initramfs/cpio.js";
import { listing } from "../../../orchestrator/initramfs/listing.js";
import { textFileEntry } from "../../../orchestrator/initramfs/manifest.js";
import type { ManifestEntry } from "../../../orchestrator/initramfs/manifest.js";
import { minimalLayout } from "../../../orchestrator/initramfs/minimal-layout.js";
import { configFixture } from "../../helpers/config-fixture.js";
import { expectGolden } from "../../helpers/golden.js";
import { runToolOk } from "./host-tools.js";

const scratch = mkdtempSync(join(tmpdir(), "levitate-assemble-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Not a real BusyBox: fixed bytes and a short fixed applet list are enough for a listing. */
const FAKE_BUSYBOX = new TextEncoder().encode("fake busybox 1.35.0 for the initramfs tests\n");
const FAKE_APPLETS = [
  "linuxrc", "bin/ash", "bin/cat", "bin/hostname", "bin/login", "bin/mount", "bin/sh",
  "bin/sync", "bin/umount", "sbin/getty", "sbin/init", "sbin/ip", "sbin/reboot",
  "/usr/bin/env", "usr/sbin/chroot", "bin/sh", "",
];

function input(overrides: Partial<AssembleInput> = {}): AssembleInput {
  const config = configFixture();
  return {
    config,
    flavour: "minimal",
    busybox: { binary: FAKE_BUSYBOX, applets: FAKE_APPLETS },
    layout: minimalLayout(config),
    files: [{ kind: "dir", path: "etc", mode: 0o755 }, textFileEntry("etc/motd", "Welcome to LevitateOS.\n")],
    ...overrides,
  };
}

function entryAt(manifest: readonly ManifestEntry[], path: string): ManifestEntry | undefined {
  return manifest.find((e) => e.path === path);
}

function thrown(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error("expected a UserError");
}

describe("assembleInitramfs", () => {
  it("builds the minimal image (golden listing)", () => {
    expectGolden("initramfs/minimal.listing", listing(assembleInitramfs(input())));
  });

  it("gives a sorted, duplicate-free manifest that GNU cpio reads back", () => {
    const manifest = assembleInitramfs(input());
    const paths = manifest.map((e) => e.path);
    expect(paths).toEqual([...new Set(paths)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const archive = join(scratch, "minimal.cpio");
    writeFileSync(archive, writeCpio(manifest));
    const names = runToolOk("cpio", ["-it", "--quiet", "-F", archive]).toString("utf8").split("\n").filter((l) => l !== "");
    expect(names).toEqual(paths);
  });

  it("links applets relative to bin/busybox and /init to sbin/init", () => {
    const manifest = assembleInitramfs(input());
    expect(entryAt(manifest, "bin/sh")).toEqual({ kind: "symlink", path: "bin/sh", target: "busybox" });
    expect(entryAt(manifest, "usr/bin/env")).toEqual({ kind: "symlink", path: "usr/bin/env", target: "../../bin/busybox" });
    expect(entryAt(manifest, "linuxrc")).toEqual({ kind: "symlink", path: "linuxrc", target: "bin/busybox" });
    expect(entryAt(manifest, "init")).toEqual({ kind: "symlink", path: "init", target: "sbin/init" });
  });

  it("lets later layers win: config/files over layout over OpenRC over BusyBox applets", () => {
    const config = configFixture();
    const manifest = assembleInitramfs(
      input({
        flavour: "openrc",
        openrcTree: [
          { kind: "dir", path: "sbin", mode: 0o755 },
          textFileEntry("sbin/init", "openrc-init\n", 0o755),
          textFileEntry("bin/mount", "openrc's mount\n", 0o755),
          { kind: "dir", path: "etc", mode: 0o755 },
          textFileEntry("etc/inittab", "from openrc\n"),
        ],
        layout: minimalLayout(config),
        files: [textFileEntry("bin/mount", "config's mount\n", 0o755), textFileEntry("etc/hostname", "override\n")],
      }),
    );
    const text = (path: string): string => {
      const entry = entryAt(manifest, path);
      return entry?.kind === "file" ? new TextDecoder().decode(entry.data) : `(${entry?.kind ?? "nothing"})`;
    };
    expect(text("sbin/init")).toBe("openrc-init\n");
    expect(text("bin/mount")).toBe("config's mount\n");
    expect(text("etc/hostname")).toBe("override\n");
    expect(text("etc/inittab")).toContain("::sysinit:/etc/init.d/rcS");
  });

  it("never changes a directory's mode once a lower layer created it", () => {
    const manifest = assembleInitramfs(
      input({ files: [{ kind: "dir", path: "root", mode: 0o755 }, { kind: "dir", path: "tmp", mode: 0o755 }, textFileEntry("root/.profile", "x\n")] }),
    );
    expect(entryAt(manifest, "root")).toEqual({ kind: "dir", path: "root", mode: 0o700 });
    expect(entryAt(manifest, "tmp")).toEqual({ kind: "dir", path: "tmp", mode: 0o1777 });
  });

  it("adds missing parent directories as 0755", () => {
    const manifest = assembleInitramfs(input({ files: [textFileEntry("opt/tool/bin/run", "x\n", 0o755)] }));
    expect(entryAt(manifest, "opt")).toEqual({ kind: "dir", path: "opt", mode: 0o755 });
    expect(entryAt(manifest, "opt/tool/bin")).toEqual({ kind: "dir", path: "opt/tool/bin", mode: 0o755 });
  });

  it("refuses a layer that turns a populated directory into something else, naming both layers", () => {
    const message = thrown(() => assembleInitramfs(input({ files: [{ kind: "symlink", path: "usr/bin", target: "../bin" }] })));
    expect(message).toMatch(/^busybox: "usr\/bin\/env" expected "usr\/bin" to be a directory, got a symlink from config\/files \(\/levitate\/config\/files\)$/);
  });

  it("keeps a hard link on its own layer's file when a later layer replaces that file", () => {
    const openrcTree: ManifestEntry[] = [
      { kind: "dir", path: "usr/lib", mode: 0o755 },
      textFileEntry("usr/lib/a", "openrc a\n", 0o755),
      { kind: "hardlink", path: "usr/lib/b", target: "usr/lib/a" },
      textFileEntry("usr/lib/c", "openrc c\n"),
      { kind: "hardlink", path: "usr/lib/d", target: "usr/lib/c" },
    ];
    const manifest = assembleInitramfs(input({ flavour: "openrc", openrcTree, files: [textFileEntry("usr/lib/a", "config a\n")] }));
    expect(entryAt(manifest, "usr/lib/b")).toEqual({ kind: "file", path: "usr/lib/b", mode: 0o755, data: new TextEncoder().encode("openrc a\n") });
    expect(entryAt(manifest, "usr/lib/d")).toEqual({ kind: "hardlink", path: "usr/lib/d", target: "usr/lib/c" });
    writeCpio(manifest);
  });

  it("refuses an image whose /init leads nowhere, and accepts one where config/files provides /init", () => {
    const applets = FAKE_APPLETS.filter((a) => a !== "sbin/init");
    expect(thrown(() => assembleInitramfs(input({ busybox: { binary: FAKE_BUSYBOX, applets } })))).toBe(
      `expected /init to lead to an executable file (BusyBox's "init" applet at sbin/init, or a file from the OpenRC tree, layout or config/files), got nothing`,
    );
    const manifest = assembleInitramfs(input({ busybox: { binary: FAKE_BUSYBOX, applets }, files: [textFileEntry("init", "#!/bin/sh\n", 0o755)] }));
    expect(entryAt(manifest, "init")?.kind).toBe("file");
  });

  it("refuses bad applet lines and paths listed twice in one layer", () => {
    expect(thrown(() => assembleInitramfs(input({ busybox: { binary: FAKE_BUSYBOX, applets: ["sbin/init", "../etc/x"] } })))).toContain(
      `busybox applet list, line "../etc/x": expected a relative path`,
    );
    expect(thrown(() => assembleInitramfs(input({ files: [textFileEntry("etc/a", "1"), textFileEntry("etc/a", "2")] })))).toBe(
      `config/files (/levitate/config/files): expected each path once, got "etc/a" twice`,
    );
  });

  it("insists on the OpenRC tree for the openrc flavour only", () => {
    expect(() => assembleInitramfs(input({ flavour: "openrc" }))).toThrow(/openrc flavour needs the OpenRC tree/);
    expect(() => assembleInitramfs(input({ openrcTree: [] }))).toThrow(/minimal flavour has no OpenRC tree/);
  });
});
