// `cache:` in levitate.yaml: defaults, and a malformed repository or unknown key reported at its line.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import type { Workspace } from "../config/workspace.js";
import { createWorkspace, writeSupportFiles } from "../config/workspace.js";

let workspace: Workspace;
let base: string;
beforeEach(async () => {
  workspace = await createWorkspace();
  await writeSupportFiles(workspace);
  await workspace.fixture("valid.yaml", "config/levitate.yaml");
  base = await readFile(join(workspace.root, "config/levitate.yaml"), "utf8");
});
afterEach(() => workspace.remove());

const load = () => loadConfig({ cwd: workspace.root, env: { HOME: workspace.root } });

describe("cache: in the config", () => {
  it("defaults to no registry and no pushing, and keeps a valid repository", async () => {
    expect((await load()).cache).toEqual({ registry: null, push: false });
    await workspace.write("config/levitate.yaml", `${base}\ncache: {registry: ghcr.io/acme/levitate-cache, push: true}\n`);
    expect((await load()).cache).toEqual({ registry: "ghcr.io/acme/levitate-cache", push: true });
  });

  it("names the line, the key and what a repository looks like", async () => {
    const lines = base.split("\n").length;
    await workspace.write("config/levitate.yaml", `${base}\ncache:\n  registry: ghcr.io/acme/cache:latest\n  pull: true\n`);
    const error = await load().catch((e: unknown) => e as UserError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).details).toEqual([
      `config/levitate.yaml:${lines + 2} cache.registry: expected a repository like ghcr.io/org/levitate-cache or 127.0.0.1:5000/levitate (no tag; http:// for a plain-HTTP registry), got "ghcr.io/acme/cache:latest"`,
      `config/levitate.yaml:${lines + 3} cache.pull: unknown key; expected one of: registry, push`,
    ]);
  });
});
