// Manifests the cpio writer must refuse, each with a message that says what was expected and what was got.
import { describe, expect, it } from "vitest";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { writeCpio } from "../../../orchestrator/initramfs/cpio.js";
import type { ManifestEntry } from "../../../orchestrator/initramfs/manifest.js";

const etc: ManifestEntry = { kind: "dir", path: "etc", mode: 0o755 };
const file = (path: string, mode = 0o644): ManifestEntry => ({ kind: "file", path, mode, data: new Uint8Array(1) });

/** The UserError writeCpio throws, with message and details as one text. */
function failure(manifest: readonly ManifestEntry[], options: { mtime?: number } = {}): string {
  try {
    writeCpio(manifest, options);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const userError = error as UserError;
    return [userError.message, ...userError.details].join("\n");
  }
  throw new Error("expected writeCpio to throw");
}

describe("writeCpio rejects", () => {
  it.each([
    ["an absolute path", "/etc", "an absolute path"],
    ["a '..' component", "etc/../x", "a '..' component"],
    ["a leading '..'", "../x", "a '..' component"],
    ["a '.' component", "./etc", "a '.' component"],
    ["an empty component", "etc//x", "an empty component"],
    ["a trailing slash", "etc/", "ending in '/'"],
    ["an empty path", "", "an empty path"],
    ["a newline", "etc/a\nb", "a control character"],
    ["a component over 255 bytes", `etc/${"n".repeat(256)}`, "a path component of 256 bytes (at most 255)"],
    ["a path over 4095 bytes", `etc/${"n/".repeat(2046)}n`, "a path of 4097 bytes (at most 4095)"],
  ])("%s", (_, path, problem) => {
    const message = failure([etc, file(path)]);
    expect(message).toContain(problem);
    expect(message).toContain(JSON.stringify(path));
  });

  it("a path listed twice, naming both kinds", () => {
    expect(failure([etc, file("etc/x"), { kind: "symlink", path: "etc/x", target: "y" }])).toContain(
      `"etc/x": expected each path once, got it twice (file and symlink)`,
    );
  });

  it("a missing parent directory (parents are never invented)", () => {
    expect(failure([file("etc/inittab")])).toContain(`"etc/inittab": expected its parent directory "etc" in the manifest, got nothing`);
  });

  it("a parent that is not a directory", () => {
    expect(failure([{ kind: "symlink", path: "lib", target: "usr/lib" }, file("lib/x")])).toContain(
      `"lib/x": expected its parent "lib" to be a directory, got a symlink`,
    );
  });

  it("modes with type bits or out of range", () => {
    expect(failure([etc, file("etc/x", 0o100644)])).toContain("expected permission bits from 0 to 0o7777 (the type comes from \"kind\"), got 0o100644");
    expect(failure([{ kind: "dir", path: "d", mode: -1 }])).toContain("got -1");
    expect(failure([{ kind: "dir", path: "d", mode: 1.5 }])).toContain("got 1.5");
  });

  it("device numbers Linux cannot hold", () => {
    const message = failure([{ kind: "device", path: "d", mode: 0o600, type: "char", major: 4096, minor: 1 << 20 }]);
    expect(message).toContain("expected a device major number from 0 to 4095, got 4096");
    expect(message).toContain("expected a device minor number from 0 to 1048575, got 1048576");
  });

  it("empty or over-long symlink targets", () => {
    expect(failure([{ kind: "symlink", path: "l", target: "" }])).toContain("expected a symlink target, got an empty target");
    expect(failure([{ kind: "symlink", path: "l", target: "t".repeat(4096) }])).toContain("a target of 4096 bytes (at most 4095)");
  });

  it("hard links to nothing or to a non-file", () => {
    expect(failure([{ kind: "hardlink", path: "a", target: "b" }])).toContain(`"a": expected hard link target "b" in the manifest, got nothing`);
    expect(failure([etc, { kind: "hardlink", path: "a", target: "etc" }])).toContain(`expected hard link target "etc" to be a file, got a dir`);
  });

  it("an mtime that newc cannot store", () => {
    for (const mtime of [-1, 1.5, 2 ** 32]) {
      expect(failure([etc], { mtime })).toContain(`expected the initramfs mtime (SOURCE_DATE_EPOCH) to be a whole number of seconds from 0 to 4294967295, got ${mtime}`);
    }
  });

  it("and lists every problem at once", () => {
    let caught: unknown;
    try {
      writeCpio([file("/a"), file("b", 0o10000), { kind: "symlink", path: "c", target: "" }]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    const error = caught as UserError;
    expect(error.details).toHaveLength(3);
    expect(error.message).toMatch(/^invalid initramfs manifest: "\/a": .* \(and 2 more\)$/);
  });
});
