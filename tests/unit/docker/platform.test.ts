// doctor's architecture note: silent on x86_64 engines, explicit about emulation and its cost elsewhere.
import { describe, expect, it } from "vitest";
import { PLATFORM, foreignArchitectureNote } from "../../../orchestrator/docker/platform.js";

describe("foreignArchitectureNote", () => {
  it("says nothing for an x86_64 engine, whatever the spelling", () => {
    for (const arch of ["x86_64", "amd64", "AMD64"]) expect(foreignArchitectureNote(arch)).toBeNull();
  });

  it("names the engine's architecture, the emulated platform and what it costs", () => {
    const note = foreignArchitectureNote("aarch64");
    expect(note?.[0]).toBe("the engine is aarch64, not x86_64: images and containers run as linux/amd64 under emulation");
    expect(note?.join("\n")).toMatch(/several times slower/);
    expect(note?.join("\n")).toMatch(/no KVM/);
    expect(PLATFORM).toBe("linux/amd64");
  });
});
