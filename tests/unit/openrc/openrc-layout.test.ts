// openrcLayout: the inittab and runlevel links the config asks for, against golden files, and the errors for services that do not exist.
import { describe, expect, it } from "vitest";
import type { ResolvedConfig, Runlevel } from "../../../orchestrator/config/types.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { listing } from "../../../orchestrator/initramfs/listing.js";
import { mergeLayers } from "../../../orchestrator/initramfs/layers.js";
import { checkManifest } from "../../../orchestrator/initramfs/manifest-check.js";
import type { Manifest } from "../../../orchestrator/initramfs/manifest.js";
import {
  OPENRC_RUNLEVEL_DIRS,
  initScriptNames,
  openrcInittab,
  openrcLayout,
} from "../../../orchestrator/initramfs/openrc-layout.js";
import { configFixture } from "../../helpers/config-fixture.js";
import { expectGolden } from "../../helpers/golden.js";

/** The init scripts of the OpenRC 0.54 tree the openrc stage builds, plus config/files' own. */
const AVAILABLE = {
  initScripts: [
    ...["agetty", "binfmt", "bootmisc", "cgroups", "consolefont", "devfs", "dmesg", "fsck", "hostname"],
    ...["hwclock", "keymaps", "killprocs", "local", "localmount", "loopback", "modules", "mount-ro", "mtab"],
    ...["net-online", "numlock", "osclock", "procfs", "root", "runsvdir", "s6-svscan", "save-keymaps"],
    ...["save-termencoding", "savecache", "seedrng", "swap", "swclock", "sysctl", "sysfs", "termencoding"],
    ...["syslogd", "klogd", "hello"],
  ],
};

/** LevitateOS's default services (config/levitate.yaml). */
const DEFAULT_RUNLEVELS: Record<Runlevel, string[]> = {
  sysinit: ["devfs", "dmesg", "sysfs"],
  boot: ["hostname", "bootmisc", "syslogd", "klogd", "loopback"],
  default: [],
  shutdown: ["killprocs", "mount-ro"],
};

function configWith(runlevels: Record<Runlevel, string[]>, init?: ResolvedConfig["init"]): ResolvedConfig {
  return configFixture({
    openrc: { source: "openrc", runlevels, cgroups: false },
    ...(init === undefined ? {} : { init }),
  });
}

/** The listing lines of everything under etc/runlevels. */
function runlevelListing(layout: Manifest): string {
  return listing(layout.filter((entry) => entry.path.startsWith("etc/runlevels")));
}

function text(layout: Manifest, path: string): string {
  const entry = layout.find((e) => e.path === path);
  if (entry?.kind !== "file") throw new Error(`expected a file ${path} in the layout, got ${entry?.kind ?? "nothing"}`);
  return new TextDecoder().decode(entry.data);
}

function caught(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error("expected a UserError, got none");
}

describe("openrcInittab", () => {
  it("hands sysinit, boot, default and shutdown to OpenRC and starts a root shell (golden)", () => {
    expectGolden("openrc/inittab-shell", openrcInittab({ console: "ttyS0", login: "shell" }));
  });

  it("logs root in through getty on the configured console for autologin (golden)", () => {
    expectGolden("openrc/inittab-autologin", openrcInittab({ console: "ttyS1", login: "autologin" }));
  });
});

describe("openrcLayout", () => {
  it("links each default service into its runlevel, and every runlevel directory exists (golden)", () => {
    const layout = openrcLayout(configWith(DEFAULT_RUNLEVELS), AVAILABLE);
    expectGolden("openrc/runlevels-default.listing", runlevelListing(layout));
    for (const level of OPENRC_RUNLEVEL_DIRS) {
      expect(layout).toContainEqual({ kind: "dir", path: `etc/runlevels/${level}`, mode: 0o755 });
    }
  });

  it("links a user service from config/files/etc/init.d (golden)", () => {
    const runlevels = { ...DEFAULT_RUNLEVELS, default: ["hello"] };
    const layout = openrcLayout(configWith(runlevels), AVAILABLE);
    expectGolden("openrc/runlevels-extra-service.listing", runlevelListing(layout));
    expect(layout).toContainEqual({ kind: "symlink", path: "etc/runlevels/default/hello", target: "/etc/init.d/hello" });
  });

  it("drops the link of a service removed from the config and keeps the others", () => {
    const before = openrcLayout(configWith(DEFAULT_RUNLEVELS), AVAILABLE);
    const boot = DEFAULT_RUNLEVELS.boot.filter((service) => service !== "klogd");
    const after = openrcLayout(configWith({ ...DEFAULT_RUNLEVELS, boot }), AVAILABLE);
    const paths = (layout: Manifest): string[] => layout.map((entry) => entry.path);
    expect(paths(before)).toContain("etc/runlevels/boot/klogd");
    expect(paths(after)).not.toContain("etc/runlevels/boot/klogd");
    expect(paths(before).filter((path) => path !== "etc/runlevels/boot/klogd")).toEqual(paths(after));
  });

  it("keeps the runlevel directories when every runlevel is empty", () => {
    const layout = openrcLayout(configWith({ sysinit: [], boot: [], default: [], shutdown: [] }), AVAILABLE);
    expect(runlevelListing(layout)).toBe(
      OPENRC_RUNLEVEL_DIRS.map((level) => `etc/runlevels/${level}`)
        .concat("etc/runlevels")
        .sort()
        .map((path) => `drwxr-xr-x 0 0 ${path}\n`)
        .join(""),
    );
  });

  it("refuses services without an init script, naming every one of them and what exists", () => {
    const runlevels = { ...DEFAULT_RUNLEVELS, boot: [...DEFAULT_RUNLEVELS.boot, "sshd"], default: ["netmount"] };
    const error = caught(() => openrcLayout(configWith(runlevels), AVAILABLE));
    expect(error.message).toBe("2 OpenRC services in /levitate/config/levitate.yaml cannot be enabled");
    expect(error.details).toEqual([
      'openrc.runlevels.boot: "sshd" has no init script in /etc/init.d',
      'openrc.runlevels.default: "netmount" has no init script in /etc/init.d',
      expect.stringMatching(/^init scripts available \(OpenRC's and \/levitate\/config\/files\/etc\/init\.d\): agetty, binfmt, .*, termencoding$/),
    ]);
  });

  it("refuses a service listed twice in one runlevel", () => {
    const runlevels = { ...DEFAULT_RUNLEVELS, sysinit: ["devfs", "dmesg", "devfs"] };
    const error = caught(() => openrcLayout(configWith(runlevels), { initScripts: ["devfs", "dmesg", "hostname", "bootmisc", "syslogd", "klogd", "loopback", "killprocs", "mount-ro", "sysfs"] }));
    expect(error.details[0]).toBe('openrc.runlevels.sysinit: "devfs" is listed twice');
  });

  it("is a valid layer on its own: no duplicate paths, every parent present", () => {
    for (const login of ["shell", "autologin"] as const) {
      const layout = openrcLayout(configWith(DEFAULT_RUNLEVELS, { console: "ttyS0", login }), AVAILABLE);
      expect(() => checkManifest(mergeLayers([{ name: "openrc layout", entries: layout }]))).not.toThrow();
    }
  });

  it("keeps localmount, fsck and root out of the boot, runs services in order, and detects no container", () => {
    const layout = openrcLayout(configWith(DEFAULT_RUNLEVELS), AVAILABLE);
    const settings = text(layout, "etc/rc.conf.d/levitate.conf")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(settings).toEqual(['rc_sys=""', 'rc_parallel="NO"', 'rc_bootmisc_need="!localmount"']);
  });

  it("adds the uucp group OpenRC's init.sh gives /run/lock, keeping root's groups", () => {
    const group = text(openrcLayout(configWith(DEFAULT_RUNLEVELS), AVAILABLE), "etc/group").split("\n");
    expect(group[0]).toMatch(/^root:x:0:/);
    expect(group.filter((line) => line.startsWith("uucp:"))).toEqual(["uucp:x:14:"]);
  });

  it("ships the autologin helper only for init.login autologin", () => {
    const shell = openrcLayout(configWith(DEFAULT_RUNLEVELS, { console: "ttyS0", login: "shell" }), AVAILABLE);
    const autologin = openrcLayout(configWith(DEFAULT_RUNLEVELS, { console: "ttyS0", login: "autologin" }), AVAILABLE);
    expect(shell.some((entry) => entry.path === "sbin/autologin")).toBe(false);
    expect(text(autologin, "sbin/autologin")).toMatch(/\nexec \/bin\/login -f root\n$/);
  });
});

describe("initScriptNames", () => {
  it("takes the names directly under etc/init.d, without helpers, sorted and once each", () => {
    const paths = [
      "etc/init.d/syslogd",
      "etc/init.d/functions.sh",
      "etc/init.d",
      "etc/conf.d/devfs",
      "./etc/init.d/devfs",
      "etc/init.d/devfs",
      "usr/etc/init.d/other",
      "etc/init.d/sub/dir",
    ];
    expect(initScriptNames(paths)).toEqual(["devfs", "syslogd"]);
  });
});
