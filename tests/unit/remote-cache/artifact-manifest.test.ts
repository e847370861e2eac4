// The OCI manifest of a stage artifact: what it carries, and what a pulled one must satisfy.
import { describe, expect, it } from "vitest";
import { ARTIFACT_TYPE, artifactManifest, readArtifactManifest, stageTag } from "../../../orchestrator/remote-cache/artifact-manifest.js";

const KEY = "a".repeat(64);
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const description = {
  stage: "busybox",
  key: KEY,
  files: [
    { name: "busybox", digest: digest("1"), size: 1000, mode: 0o755 },
    { name: "applets.txt", digest: digest("2"), size: 20, mode: 0o644 },
  ],
  config: { digest: digest("3"), size: 300 },
  toolchain: "levitate/toolchain:debian-123456789abc",
  toolVersion: "0.1.0",
};

describe("stage artifact manifests", () => {
  it("tags by stage and the whole key, within the 128 characters a tag may have", () => {
    expect(stageTag("initramfs", KEY)).toBe(`initramfs-${KEY}`);
    expect(stageTag("initramfs", KEY).length).toBeLessThanOrEqual(128);
  });

  it("carries stage, key, output digests, toolchain and version; layers are files in name order", () => {
    const manifest = JSON.parse(artifactManifest(description).toString()) as Record<string, unknown> & { layers: { annotations: Record<string, string> }[]; annotations: Record<string, string> };
    expect(manifest.artifactType).toBe(ARTIFACT_TYPE);
    expect(manifest.layers.map((l) => l.annotations["org.opencontainers.image.title"])).toEqual(["applets.txt", "busybox"]);
    expect(manifest.layers[1]!.annotations["org.levitate-docker.mode"]).toBe("0755");
    expect(manifest.annotations).toEqual({
      "org.levitate-docker.stage": "busybox",
      "org.levitate-docker.key": KEY,
      "org.levitate-docker.outputs": JSON.stringify({ "applets.txt": digest("2"), busybox: digest("1") }),
      "org.levitate-docker.toolchain": "levitate/toolchain:debian-123456789abc",
      "org.levitate-docker.version": "0.1.0",
    });
  });

  it("reads back its files and refuses a manifest for another key, a path as a file name, or a layer digest that is not the output's", () => {
    const bytes = artifactManifest(description);
    expect(readArtifactManifest(bytes, { stage: "busybox", key: KEY }, "r/x").files.map((f) => [f.name, f.mode])).toEqual([
      ["applets.txt", 0o644],
      ["busybox", 0o755],
    ]);
    expect(() => readArtifactManifest(bytes, { stage: "busybox", key: "b".repeat(64) }, "r/x")).toThrow(
      `registry r/x: the manifest busybox-${"b".repeat(64)} is not a usable busybox artifact: it is for key "${KEY}"`,
    );
    const evil = artifactManifest({ ...description, files: [{ name: "../etc/passwd", digest: digest("4"), size: 1, mode: 0o644 }] });
    expect(() => readArtifactManifest(evil, { stage: "busybox", key: KEY }, "r/x")).toThrow(/a layer has no plain file name \("\.\.\/etc\/passwd"\)/);
    const swapped = JSON.parse(bytes.toString()) as { layers: { digest: string }[] };
    swapped.layers[0]!.digest = digest("9");
    expect(() => readArtifactManifest(Buffer.from(JSON.stringify(swapped)), { stage: "busybox", key: KEY }, "r/x")).toThrow(
      `applets.txt: the layer digest ${digest("9")} is not the output digest ${digest("2")}`,
    );
  });
});
