// toolchain.base as real users write it, `name@sha256:…`: pulled for real from a registry on 127.0.0.1, and a wrong digest refused.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import { LABEL_TOOL } from "../../../orchestrator/docker/types.js";
import { toolchainRecipe } from "../../../orchestrator/toolchain/recipes.js";
import { explain, runCli } from "../../helpers/cli.js";
import { copyProject } from "../../helpers/project-copy.js";
import type { ProjectCopy } from "../../helpers/project-copy.js";
import { startRegistry } from "../../helpers/registry.js";
import type { StartedRegistry } from "../../helpers/registry.js";

const LOCAL_BASE = "levitate/debian-base:bookworm";
const engine = createEngine();

describe("toolchain base image pinned by digest, from a local registry", () => {
  let registry: StartedRegistry;
  let repository: string;
  let digest: string;
  const projects: ProjectCopy[] = [];
  const images: string[] = [];
  const prefix = `lv-digest-${process.pid}`;

  /** A project whose offline profile builds the toolchain from `base`; its own out/ and volumes, the shared source cache. */
  async function projectWithBase(label: string, base: string): Promise<{ project: ProjectCopy; env: Record<string, string> }> {
    const project = await copyProject(label, { sharedCache: true });
    projects.push(project);
    const profile = join(project.dir, "config", "profiles", "offline.yaml");
    await writeFile(profile, (await readFile(profile, "utf8")).replace(`base: ${LOCAL_BASE}`, `base: ${base}`));
    const config = await loadConfig({ cwd: project.dir, configPath: project.configFile, profile: "offline", env: { HOME: project.dir } });
    expect(config.toolchain.base).toBe(base);
    images.push((await toolchainRecipe(config)).tag);
    return { project, env: { ...project.env, LEVITATE_VOLUME_PREFIX: prefix } };
  }

  beforeAll(async () => {
    registry = await startRegistry();
    repository = `${registry.host}/levitate/debian-base`;
    await execa("docker", ["tag", LOCAL_BASE, `${repository}:bookworm`]);
    const pushed = await execa("docker", ["push", `${repository}:bookworm`]);
    digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed.stdout)?.[1] ?? "";
    expect(digest, pushed.stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Forget every local name of it under the registry, so the build has to pull.
    await execa("docker", ["rmi", `${repository}:bookworm`]);
    images.push(`${repository}@${digest}`);
  });

  afterAll(async () => {
    for (const image of images) await engine.images.remove(image).catch(() => undefined);
    for (const volume of await engine.volumes.list({ [LABEL_TOOL]: "1" })) {
      if (volume.name.startsWith(`${prefix}-`)) await engine.volumes.remove(volume.name);
    }
    for (const project of projects) await project.dispose();
    await registry?.stop();
  });

  it("pulls 127.0.0.1:PORT/…@sha256:<digest> and builds the debian toolchain (and a stage in it) from it", async () => {
    const base = `${repository}@${digest}`;
    const { project, env } = await projectWithBase("base-digest", base);
    const built = await runCli(["build", "openrc", "--profile", "offline", "--config", project.configFile], { env });
    expect(built.exitCode, explain(built)).toBe(0);
    expect(built.stderr).toContain(`from ${base})`);
    // The engine holds the base under exactly that digest: it was pulled, not found under another name.
    const inspected = await execa("docker", ["image", "inspect", "--format", "{{json .RepoDigests}}", base]);
    expect(JSON.parse(inspected.stdout)).toContain(base);
  });

  it("refuses a digest the registry does not have, naming the image", async () => {
    const wrong = `${repository}@sha256:${(digest.slice(7, 8) === "0" ? "1" : "0").repeat(64)}`;
    const { project, env } = await projectWithBase("base-wrong-digest", wrong);
    const built = await runCli(["build", "openrc", "--profile", "offline", "--config", project.configFile], { env });
    expect(built.exitCode, explain(built)).toBe(1);
    expect(built.stderr).toContain(wrong);
    expect(built.stderr).toMatch(/manifest unknown|not found/);
    expect(built.stderr).toContain(`the registry has no image with the digest toolchain.base pins (${wrong})`);
    expect(built.stderr).not.toMatch(/internal error/);
  });
});
