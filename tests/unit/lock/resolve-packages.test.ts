// Turning a package manager's dry run into lock pins, and lock files into pins and diffs.
import { describe, expect, it } from "vitest";
import { diffPins, formatPinChange } from "../../../orchestrator/lock/image-locks.js";
import { formatPackageLock, parsePackageLock } from "../../../orchestrator/lock/package-lock-file.js";
import { lockedBase } from "../../../orchestrator/lock/refresh-image-locks.js";
import { locksFromResolution, parseApkSimulation, parseAptSimulation } from "../../../orchestrator/lock/resolve-packages.js";

const APT = `Reading package lists...
Inst perl-base [5.36.0-7+deb12u3] (5.36.0-7+deb12u4 Debian-Security:12/oldstable-security [amd64])
Inst libgdbm6 (1.23-3 Debian:12.15/oldstable [amd64])
Inst qemu-system-x86 (1:7.2+dfsg-7+deb12u18+b3 Debian:12.15/oldstable [amd64])
Conf libgdbm6 (1.23-3 Debian:12.15/oldstable [amd64])
`;

describe("package resolution", () => {
  it("reads apt's simulated installs and upgrades, epochs included", () => {
    expect(parseAptSimulation(APT)).toEqual([
      { name: "perl-base", version: "5.36.0-7+deb12u4" },
      { name: "libgdbm6", version: "1.23-3" },
      { name: "qemu-system-x86", version: "1:7.2+dfsg-7+deb12u18+b3" },
    ]);
  });

  it("reads apk's simulated installs and upgrades", () => {
    const text = "(1/3) Installing musl-dev (1.2.5-r10)\n(2/3) Upgrading musl (1.2.5-r9 -> 1.2.5-r10)\nOK: 12 MiB in 20 packages\n";
    expect(parseApkSimulation(text)).toEqual([
      { name: "musl-dev", version: "1.2.5-r10" },
      { name: "musl", version: "1.2.5-r10" },
    ]);
  });

  it("pins a named package the base already has at the base's version", () => {
    const output = `--- simulate\n${APT}--- installed\ne2fsprogs=1.47.0-2+b2\nperl-base=5.36.0-7+deb12u3\n`;
    expect(locksFromResolution("debian", ["qemu-system-x86", "e2fsprogs"], output).map((p) => `${p.name}=${p.version}`)).toEqual([
      "e2fsprogs=1.47.0-2+b2",
      "libgdbm6=1.23-3",
      "perl-base=5.36.0-7+deb12u4",
      "qemu-system-x86=1:7.2+dfsg-7+deb12u18+b3",
    ]);
  });

  it("refuses a named package that is neither installed nor in the base", () => {
    expect(() => locksFromResolution("debian", ["nope"], `--- simulate\n${APT}--- installed\n`)).toThrow(/'nope' is neither installed/);
  });
});

describe("lock files", () => {
  it("round-trips, records its base, and reports bad lines with file and line", () => {
    const text = formatPackageLock(["base: levitate/debian-base:bookworm", "why"], [{ name: "make", version: "4.3-4.1" }, { name: "bc", version: "1.07" }]);
    expect(text).toBe("# base: levitate/debian-base:bookworm\n# why\nbc=1.07\nmake=4.3-4.1\n");
    expect(lockedBase(text)).toBe("levitate/debian-base:bookworm");
    expect(parsePackageLock("x.lock", text)).toEqual([{ name: "bc", version: "1.07" }, { name: "make", version: "4.3-4.1" }]);
    expect(() => parsePackageLock("x.lock", "bc=1\nmake 4.3\nbc=2\n")).toThrow(
      expect.objectContaining({ details: ["x.lock:2: expected name=version, got 'make 4.3'", "x.lock: package 'bc' is pinned twice"] }),
    );
  });

  it("diffs two locks as added, removed and changed pins", () => {
    const changes = diffPins(
      [{ name: "a", version: "1" }, { name: "b", version: "1" }],
      [{ name: "b", version: "2" }, { name: "c", version: "1" }],
    );
    expect(changes.map(formatPinChange)).toEqual(["- a=1", "~ b 1 -> 2", "+ c=1"]);
  });
});
