// listing(): one stable line per entry, in path order, whatever order the manifest came in.
import { describe, expect, it } from "vitest";
import { listing, permissionString } from "../../../orchestrator/initramfs/listing.js";
import type { ManifestEntry } from "../../../orchestrator/initramfs/manifest.js";

const abc = new TextEncoder().encode("abc");

describe("listing", () => {
  const manifest: ManifestEntry[] = [
    { kind: "symlink", path: "bin/sh", target: "busybox" },
    { kind: "file", path: "bin/busybox", mode: 0o755, data: abc },
    { kind: "hardlink", path: "bin/ash", target: "bin/busybox" },
    { kind: "device", path: "dev/console", mode: 0o600, type: "char", major: 5, minor: 1 },
    { kind: "device", path: "dev/vda", mode: 0o660, type: "block", major: 253, minor: 0 },
    { kind: "file", path: "etc/empty", mode: 0o644, data: new Uint8Array(0) },
    { kind: "dir", path: "bin", mode: 0o755 },
    { kind: "dir", path: "tmp", mode: 0o1777 },
  ];

  it("prints each kind in its format, sorted by path, with sha256 prefixes of the contents", () => {
    expect(listing(manifest)).toBe(
      [
        "drwxr-xr-x 0 0 bin",
        "-rwxr-xr-x 0 0 bin/ash link to bin/busybox",
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        "-rwxr-xr-x 0 0 3 bin/busybox sha256:ba7816bf8f01cfea",
        "lrwxrwxrwx 0 0 bin/sh -> busybox",
        "crw------- 0 0 5,1 dev/console",
        "brw-rw---- 0 0 253,0 dev/vda",
        // sha256("") = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
        "-rw-r--r-- 0 0 0 etc/empty sha256:e3b0c44298fc1c14",
        "drwxrwxrwt 0 0 tmp",
        "",
      ].join("\n"),
    );
  });

  it("does not depend on the input order", () => {
    expect(listing([...manifest].reverse())).toBe(listing(manifest));
  });

  it("spells the special mode bits like ls", () => {
    expect(permissionString(0o4755)).toBe("rwsr-xr-x");
    expect(permissionString(0o4644)).toBe("rwSr--r--");
    expect(permissionString(0o2710)).toBe("rwx--s---");
    expect(permissionString(0o1777)).toBe("rwxrwxrwt");
    expect(permissionString(0o1666)).toBe("rw-rw-rwT");
    expect(permissionString(0)).toBe("---------");
  });
});
