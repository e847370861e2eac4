// A real build's supply-chain records: metadata.json and the SBOM validate, the toolchain image matches its lock; reproduce (opt-in) proves the build.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "../../orchestrator/docker/engine.js";
import { readPackageLock } from "../../orchestrator/lock/package-lock-file.js";
import { metadataProblems } from "../../orchestrator/metadata/metadata-schema.js";
import type { BuildMetadata } from "../../orchestrator/metadata/metadata-schema.js";
import { REPO, explain } from "../helpers/cli.js";
import { MINIMAL_OFFLINE } from "../helpers/minimal-build.js";
import { copyProject } from "../helpers/project-copy.js";
import type { ProjectCopy } from "../helpers/project-copy.js";
import { cyclonedxProblems } from "../helpers/sbom-validate.js";

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

describe("supply chain, minimal flavour, offline profile", () => {
  // Its own throwaway copy of the project (the shared artifact cache), built from its directory as a user would.
  let project: ProjectCopy;
  beforeAll(async () => {
    project = await copyProject("supply-chain-e2e", { sharedCache: true });
  });
  afterAll(async () => project?.dispose());

  it("writes a metadata.json and an SBOM that validate, and the toolchain image holds exactly its lock", async () => {
    const built = await project.cli(["build", ...MINIMAL_OFFLINE]);
    expect(built.exitCode, explain(built)).toBe(0);

    const metadata = JSON.parse(await readFile(join(project.out, "metadata.json"), "utf8")) as BuildMetadata;
    expect(metadataProblems(metadata)).toEqual([]);
    expect(metadata.reproduce.command).toBe("levitate-docker build --profile offline --minimal");
    const home = process.env.HOME ?? "/root";
    const hostPaths = strings(metadata).filter((s) => s.startsWith("/") || s.includes(REPO.replace(/\/$/, "")) || s.includes(project.dir) || (home.length > 1 && s.includes(home)));
    expect(hostPaths).toEqual([]);
    for (const stage of metadata.stages) expect(stage.durationMs, `${stage.name} (${stage.action})`).toBeGreaterThan(0);
    expect(metadata.kernel?.release).toMatch(/^\d+\.\d+\.\d+/);

    const sbomText = await readFile(join(project.out, "sbom.cdx.json"), "utf8");
    expect(await cyclonedxProblems(sbomText)).toBeNull();
    const sbom = JSON.parse(sbomText) as { metadata: { component: { hashes: { content: string }[] } }; components: { name: string; properties?: { name: string; value: string }[] }[] };
    expect(sbom.metadata.component.hashes[0]!.content).toBe(metadata.outputs["levitate.iso"]!.sha256);
    const applets = sbom.components.find((c) => c.name === "busybox")!.properties!.filter((p) => p.name === "levitate-docker:busybox-applet");
    expect(applets.map((p) => p.value)).toContain("bin/sh");

    const lock = await readPackageLock(join(REPO, metadata.toolchain.lock.path), metadata.toolchain.lock.path);
    expect(lock.sha256).toBe(metadata.toolchain.lock.sha256);
    const engine = createEngine();
    const image = (await engine.images.list({ "levitate-docker.image": "toolchain" })).find((i) => i.tags.includes(metadata.toolchain.tag));
    expect(image?.labels["levitate-docker.lock-sha256"]).toBe(lock.sha256);
    const installed: Buffer[] = [];
    const listed = await engine.containers.run(
      { image: metadata.toolchain.tag, cmd: ["cat", "/usr/share/levitate/installed-packages.txt"], network: "none" },
      { onOutput: (chunk, stream) => void (stream === "stdout" && installed.push(chunk)) },
    );
    expect(listed.exitCode).toBe(0);
    const lines = new Set(Buffer.concat(installed).toString("utf8").split("\n"));
    expect(lock.pins.filter((p) => !lines.has(`${p.name}=${p.version}`))).toEqual([]);
  });

  // A second cold build of every stage, kernel included (about 10 minutes on an idle 2-core machine,
  // far more on a busy one): runs under CI (CI=true) and with LEVITATE_E2E_REPRODUCE=1;
  // LEVITATE_E2E_REPRODUCE=0 leaves it out.
  const reproduce = process.env.LEVITATE_E2E_REPRODUCE ?? (process.env.CI === "true" ? "1" : "0");
  it.runIf(reproduce === "1")("reproduce rebuilds it from scratch (cold kernel) and finds every output byte-identical", async () => {
    const result = await project.cli(["reproduce", "out/metadata.json", "--plain"], { timeoutMs: 2_400_000 });
    expect(result.exitCode, explain(result)).toBe(0);
    expect(result.stdout).toMatch(/reproduced: all \d+ outputs are byte-identical/);
    expect(result.stdout).not.toContain("DIFFERS");
  }, 2_700_000);
});
