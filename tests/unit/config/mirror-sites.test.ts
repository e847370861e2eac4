// Mirror sites in the config, on the command line and in the environment: precedence and strict checks.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import type { Workspace } from "./workspace.js";
import { createWorkspace, writeSupportFiles } from "./workspace.js";

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
  await writeSupportFiles(workspace);
  await workspace.fixture("valid.yaml", "config/levitate.yaml");
});
afterEach(() => workspace.remove());

async function withSites(lines: string): Promise<void> {
  const file = join(workspace.root, "config", "levitate.yaml");
  await writeFile(file, (await readFile(file, "utf8")).replace("mirror: ~/mirror\n", `mirror: ~/mirror\n${lines}`));
}

const load = (options: Parameters<typeof loadConfig>[0] = {}) =>
  loadConfig({ cwd: workspace.root, ...options, env: { HOME: workspace.root, ...options.env } });

async function failure(options: Parameters<typeof loadConfig>[0] = {}): Promise<UserError> {
  const error = await load(options).then(() => new Error("expected loadConfig to fail"), (thrown: unknown) => thrown);
  if (!(error instanceof UserError)) throw error;
  return error;
}

describe("mirror sites", () => {
  it("are none by default", async () => {
    expect((await load()).mirrorSites).toEqual([]);
  });

  it("come from mirror_sites:, replaced by LEVITATE_MIRROR_SITES, replaced by --mirror-site", async () => {
    await withSites("mirror_sites: [https://a.example.org/src, http://127.0.0.1:8080/]\n");
    expect((await load()).mirrorSites).toEqual(["https://a.example.org/src", "http://127.0.0.1:8080/"]);
    const env = { LEVITATE_MIRROR_SITES: " https://b.example.org/,http://127.0.0.1:9/x  https://c.example.org " };
    expect((await load({ env })).mirrorSites).toEqual(["https://b.example.org/", "http://127.0.0.1:9/x", "https://c.example.org"]);
    expect((await load({ env, mirrorSites: ["https://d.example.org/"] })).mirrorSites).toEqual(["https://d.example.org/"]);
    expect((await load({ env: { LEVITATE_MIRROR_SITES: "" } })).mirrorSites).toEqual(["https://a.example.org/src", "http://127.0.0.1:8080/"]);
  });

  it("in the config: every bad entry is reported with its line, key and what was wrong", async () => {
    await withSites("mirror_sites:\n  - https://ok.example.org/\n  - ftp://old.example.org/pub\n  - https://me:pw@corp.example.org/\n  - 42\n");
    const error = await failure();
    expect(error.details).toEqual([
      'config/levitate.yaml:27 mirror_sites[1]: expected an http:// or https:// base URL, not ftp://, got "ftp://old.example.org/pub"',
      'config/levitate.yaml:28 mirror_sites[2]: expected a base URL without user:password (put credentials in a proxy, not in the URL), got "https://me:pw@corp.example.org/"',
      "config/levitate.yaml:29 mirror_sites[3]: expected a string, got 42 (put it in quotes)",
    ]);
  });

  it("a mapping instead of a list is refused", async () => {
    await withSites("mirror_sites: https://one.example.org/\n");
    expect((await failure()).details).toEqual(['config/levitate.yaml:25 mirror_sites: expected a list, got "https://one.example.org/"']);
  });

  it("from the command line and the environment: bad ones are named with the flag or variable they came from", async () => {
    const flag = await failure({ mirrorSites: ["https://ok.example.org", "mirror.example.org"] });
    expect(flag.details).toEqual(['--mirror-site: expected an http:// or https:// base URL, got "mirror.example.org"']);
    const env = await failure({ env: { LEVITATE_MIRROR_SITES: "https://x.example.org/?k=v" } });
    expect(env.details).toEqual([
      'LEVITATE_MIRROR_SITES: expected a base URL without ?query or #fragment (file names are appended to it), got "https://x.example.org/?k=v"',
    ]);
  });
});
