// The ISO's SBOM: valid CycloneDX 1.5 (checked by the CycloneDX library), complete, and the same bytes for the same facts.
import { describe, expect, it } from "vitest";
import { makeSbom } from "../../../orchestrator/sbom/cyclonedx.js";
import type { SbomFacts } from "../../../orchestrator/sbom/cyclonedx.js";
import { cyclonedxProblems } from "../../helpers/sbom-validate.js";

const facts: SbomFacts = {
  name: "levitate",
  flavour: "openrc",
  iso: { file: "levitate.iso", sha256: "a".repeat(64) },
  kernelRelease: "6.1.192",
  sources: [
    { name: "linux", version: "6.1.192", file: "linux-source-6.1.tar.xz", sha256: "b".repeat(64), urls: [] },
    { name: "busybox", version: "1.35.0", file: "busybox-1.35.0.tar.bz2", sha256: "c".repeat(64), urls: ["https://busybox.net/downloads/busybox-1.35.0.tar.bz2"] },
    { name: "openrc", version: "0.54", file: "openrc-0.54.tar.gz", sha256: "d".repeat(64), urls: ["https://github.com/OpenRC/openrc/archive/refs/tags/0.54.tar.gz"] },
  ],
  applets: ["bin/ls", "bin/sh", "usr/bin/["],
  services: { sysinit: ["devfs"], boot: ["hostname"], default: [], shutdown: ["killprocs"] },
  toolVersion: "0.1.0",
  toolchain: {
    flavour: "debian",
    base: "levitate/debian-base:bookworm",
    tag: "levitate/toolchain:debian-123456789abc",
    imageId: `sha256:${"e".repeat(64)}`,
    lockPath: "images/toolchain/debian.lock",
    lockSha256: "f".repeat(64),
    packages: [{ name: "gcc-12", version: "12.2.0-14+deb12u1" }, { name: "musl-dev", version: "1.2.3-1" }, { name: "file", version: "1:5.44-3" }],
  },
};

type Component = { name: string; version?: string; hashes?: { content: string }[]; licenses?: unknown[]; properties?: { name: string; value: string }[]; purl?: string; cpe?: string };

describe("CycloneDX SBOM", () => {
  it("validates against the CycloneDX 1.5 schema", async () => {
    expect(await cyclonedxProblems(JSON.stringify(makeSbom(facts)))).toBeNull();
  });

  it("fails validation when a license is not an SPDX id (the validator is real)", async () => {
    const sbom = makeSbom(facts) as { components: { licenses?: unknown }[] };
    sbom.components[1]!.licenses = [{ license: { id: "GPL-2-ish" } }];
    expect(await cyclonedxProblems(JSON.stringify(sbom))).not.toBeNull();
  });

  it("lists every source with version, sha256, license and download location, plus musl", () => {
    const sbom = makeSbom(facts) as { components: Component[] };
    const byName = new Map(sbom.components.map((c) => [c.name, c]));
    expect([...byName.keys()]).toEqual(["linux", "busybox", "openrc", "musl"]);
    expect(byName.get("busybox")).toMatchObject({ version: "1.35.0", hashes: [{ content: "c".repeat(64) }], licenses: [{ license: { id: "GPL-2.0-only" } }], cpe: "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*", externalReferences: [{ type: "distribution", url: "https://busybox.net/downloads/busybox-1.35.0.tar.bz2" }] });
    expect(byName.get("linux")).toMatchObject({ licenses: [{ expression: "GPL-2.0-only WITH Linux-syscall-note" }] });
    expect(byName.get("linux")!.properties).toContainEqual({ name: "levitate-docker:download", value: "no URL pinned: taken from a local mirror by file name and sha256" });
    expect(byName.get("musl")).toMatchObject({ version: "1.2.3-1", purl: "pkg:deb/debian/musl-dev@1.2.3-1" });
  });

  it("names the BusyBox applets, the OpenRC services and the toolchain packages as build tools", () => {
    const sbom = makeSbom(facts) as { components: Component[]; metadata: { tools: { components: Component[] } } };
    const props = (name: string, key: string) => sbom.components.find((c) => c.name === name)!.properties!.filter((p) => p.name === key).map((p) => p.value);
    expect(props("busybox", "levitate-docker:busybox-applet")).toEqual(["bin/ls", "bin/sh", "usr/bin/["]);
    expect(props("openrc", "levitate-docker:openrc-service")).toEqual(["sysinit/devfs", "boot/hostname", "shutdown/killprocs"]);
    const tools = sbom.metadata.tools.components;
    expect(tools.map((t) => t.name)).toEqual(["levitate-docker", "levitate/toolchain:debian-123456789abc", "gcc-12", "musl-dev", "file"]);
    expect(tools.find((t) => t.name === "file")!.purl).toBe("pkg:deb/debian/file@1%3A5.44-3");
  });

  it("is the same for the same facts, and says so when the toolchain lock is unresolved", async () => {
    expect(JSON.stringify(makeSbom(facts))).toBe(JSON.stringify(makeSbom(facts)));
    const unlocked = makeSbom({ ...facts, toolchain: { ...facts.toolchain, flavour: "alpine", packages: [] } });
    expect(JSON.stringify(unlocked)).toContain("unresolved: package versions not pinned");
    expect(await cyclonedxProblems(JSON.stringify(unlocked))).toBeNull();
  });
});
