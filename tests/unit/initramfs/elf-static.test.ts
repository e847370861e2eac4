// The static-linking check against real binaries: the host's dynamic ones, and a static one gcc makes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dynamicLinkReason, isElf } from "../../../orchestrator/initramfs/elf-static.js";

function staticHello(): Uint8Array | null {
  const dir = mkdtempSync(join(tmpdir(), "levitate-elf-"));
  writeFileSync(join(dir, "hello.c"), "int main(void) { return 0; }\n");
  try {
    execFileSync("cc", ["-static", "-o", join(dir, "hello"), join(dir, "hello.c")], { stdio: "ignore" });
    return readFileSync(join(dir, "hello"));
  } catch {
    return null;
  }
}

describe("dynamicLinkReason", () => {
  it("names the loader and the libraries of a dynamically linked program", () => {
    const reason = dynamicLinkReason(readFileSync("/bin/sh"));
    expect(reason).toMatch(/PT_INTERP \/lib.*ld-linux.*\.so/);
    expect(reason).toMatch(/DT_NEEDED entries: [1-9]/);
  });

  const hello = staticHello();
  it.skipIf(hello === null)(`accepts a static executable${hello === null ? " (SKIPPED: no cc -static here)" : ""}`, () => {
    expect(isElf(hello!)).toBe(true);
    expect(dynamicLinkReason(hello!)).toBeNull();
  });

  it("ignores files that are not ELF", () => {
    expect(dynamicLinkReason(new TextEncoder().encode("#!/bin/sh\necho hi\n"))).toBeNull();
  });
});
