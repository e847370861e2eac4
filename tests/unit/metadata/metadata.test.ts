// metadata.json: no host paths, a build command that reproduces, real durations for cached stages, never less than before.
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assembleMetadata } from "../../../orchestrator/metadata/assemble-metadata.js";
import type { MetadataFacts } from "../../../orchestrator/metadata/assemble-metadata.js";
import { kernelFacts, stageRecords } from "../../../orchestrator/metadata/gather-facts.js";
import { metadataProblems } from "../../../orchestrator/metadata/metadata-schema.js";
import { buildCommand } from "../../../orchestrator/metadata/reproducer.js";
import { readPreviousMetadata, writeMetadata, writtenRecordPath } from "../../../orchestrator/metadata/write-metadata.js";

const KEY = "1".repeat(64);

async function artifact(files: Record<string, string>, meta: object | null): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "levitate-artifact-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  if (meta !== null) await writeFile(join(dir, "meta.json"), JSON.stringify(meta));
  return dir;
}

function facts(overrides: Partial<MetadataFacts> = {}): MetadataFacts {
  return {
    toolVersion: "0.1.0",
    selection: { config: "config/levitate.yaml", profile: "offline", flavour: "minimal" },
    metadataPath: "out/metadata.json",
    toolchain: { flavour: "debian", base: "levitate/debian-base:bookworm", tag: "levitate/toolchain:debian-1", key: KEY, imageId: null, lock: { path: "images/toolchain/debian.lock", sha256: "2".repeat(64), packages: 112 } },
    engine: null,
    kernel: null,
    sources: [{ name: "busybox", version: "1.35.0", file: "busybox-1.35.0.tar.bz2", sha256: "3".repeat(64) }],
    stages: [{ name: "busybox", key: KEY, action: "cached", durationMs: 61000, ranAt: "2026-11-30T22:00:00.000Z", outputs: {} }],
    outputs: { "levitate.iso": { sha256: "4".repeat(64), bytes: 10 } },
    builtAt: "2026-11-30T23:00:00.000Z",
    ...overrides,
  };
}

describe("reproducer", () => {
  it("is a build command with the same config, profile and flavour", () => {
    expect(buildCommand({ config: "config/levitate.yaml", profile: "offline", flavour: "minimal" })).toBe("levitate-docker build --profile offline --minimal");
    expect(buildCommand({ config: "my config/os.yaml", profile: null, flavour: "openrc" })).toBe("levitate-docker build --config 'my config/os.yaml'");
  });
});

describe("metadata", () => {
  it("validates, and the schema refuses host paths and a test command as the reproducer", () => {
    const good = assembleMetadata(facts());
    expect(metadataProblems(good)).toEqual([]);
    expect(good.reproduce).toEqual({ command: "levitate-docker build --profile offline --minimal", verify: "levitate-docker reproduce out/metadata.json", config: "config/levitate.yaml", profile: "offline", flavour: "minimal" });
    const bad = { ...good, reproduce: { ...good.reproduce, command: "levitate-docker test", config: "/work/main/config/levitate.yaml" } };
    expect(metadataProblems(bad)).toEqual([
      'reproduce.command: Invalid string: must start with "levitate-docker build"',
      "reproduce.config: a project-relative path with / separators",
    ]);
  });

  it("gives a cached stage the duration its artifact recorded, and a stage that ran its own; digests of every output", async () => {
    const cached = await artifact({ busybox: "bb", "applets.txt": "bin/sh\n" }, { durationMs: 61234, createdAt: "2026-11-30T22:00:00.000Z" });
    const ran = await artifact({ "levitate.iso": "iso" }, { durationMs: 700, createdAt: "2026-11-30T23:00:00.000Z" });
    const records = await stageRecords(
      [
        { name: "busybox", action: "cached", key: KEY, dir: cached, durationMs: 0 },
        { name: "iso", action: "run", key: KEY, dir: ran, durationMs: 812 },
      ],
      null,
    );
    expect(records[0]).toMatchObject({ action: "cached", durationMs: 61234, ranAt: "2026-11-30T22:00:00.000Z" });
    expect(Object.keys(records[0]!.outputs)).toEqual(["applets.txt", "busybox"]);
    expect(records[0]!.outputs.busybox).toEqual({ sha256: "3b64db95cb55c763391c707108489ae18b4112d783300de38e033b4c98c3deaf", bytes: 2 });
    expect(records[1]).toMatchObject({ action: "ran", durationMs: 812 });
  });

  it("reads the kernel release and .config digest from the linux artifact", async () => {
    const dir = await artifact({ "kernel.release": "6.1.192\n", "kernel.config": "CONFIG_X=y\n" }, null);
    expect(await kernelFacts(dir)).toEqual({ release: "6.1.192", configSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await kernelFacts(null)).toBeNull();
  });

  it("keeps the engine and image id an earlier write knew when nothing ran this time", async () => {
    const dir = await mkdtemp(join(tmpdir(), "levitate-metadata-"));
    const path = join(dir, "metadata.json");
    const engine = { version: "20.10.24", apiVersion: "1.41", os: "Debian GNU/Linux 12", architecture: "x86_64", kernel: "6.1.0" };
    const first = facts({ engine, toolchain: { ...facts().toolchain, imageId: "sha256:abc" }, kernel: { release: "6.1.192", configSha256: "5".repeat(64) } });
    await writeMetadata(path, assembleMetadata(first), null);
    const previous = await readPreviousMetadata(path);
    expect(previous?.engine).toEqual(engine);
    const second = await writeMetadata(path, assembleMetadata(facts()), previous);
    expect(second.engine).toEqual(engine);
    expect(second.toolchain.imageId).toBe("sha256:abc");
    expect(second.kernel?.release).toBe("6.1.192");
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(second);
  });

  it("does not carry facts over to a build of other stages", async () => {
    const engine = { version: "20.10.24", apiVersion: "1.41", os: "x", architecture: "x86_64", kernel: "k" };
    const previous = assembleMetadata(facts({ engine }));
    const dir = await mkdtemp(join(tmpdir(), "levitate-metadata-"));
    const other = assembleMetadata(facts({ stages: [{ ...facts().stages[0]!, key: "9".repeat(64) }] }));
    expect((await writeMetadata(join(dir, "m.json"), other, previous)).engine).toBeNull();
  });

  it("reads back the file it wrote as written, and checks any other bytes against the schema", async () => {
    const dir = await mkdtemp(join(tmpdir(), "levitate-metadata-"));
    const path = join(dir, "out", "metadata.json");
    const record = writtenRecordPath(join(dir, "cache"), path);
    expect(record).toBe(writtenRecordPath(join(dir, "cache"), join(dir, "out", ".", "metadata.json")));
    const written = await writeMetadata(path, assembleMetadata(facts()), null, record);
    expect(metadataProblems(JSON.parse(await readFile(path, "utf8")))).toEqual([]);
    expect(await readPreviousMetadata(path, record)).toEqual(written);
    // Edited by hand into something the schema refuses: its digest no longer matches, so it is checked.
    const edited = { ...written, reproduce: { ...written.reproduce, config: "/home/me/levitate.yaml" } };
    await writeFile(path, JSON.stringify(edited, null, 2) + "\n");
    expect(await readPreviousMetadata(path, record)).toBeNull();
    expect(await readPreviousMetadata(path)).toBeNull();
    // A valid file the tool did not write there is read through the schema, and still counts.
    const other = assembleMetadata(facts({ builtAt: "2026-12-01T00:00:00.000Z" }));
    await writeFile(path, JSON.stringify(other));
    expect(await readPreviousMetadata(path, record)).toEqual(other);
    await writeFile(path, "{ not json");
    expect(await readPreviousMetadata(path, record)).toBeNull();
    expect(await readPreviousMetadata(join(dir, "absent.json"), record)).toBeNull();
  });
});
