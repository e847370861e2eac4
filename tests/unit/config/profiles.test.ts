// listProfiles: the profiles next to a config are its profiles/*.yaml files.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listProfiles } from "../../../orchestrator/config/profiles.js";
import type { Workspace } from "./workspace.js";
import { createWorkspace } from "./workspace.js";

let workspace: Workspace;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(() => workspace.remove());

describe("listProfiles", () => {
  it("lists profiles/*.yaml by name, sorted, ignoring other files and directories", async () => {
    await workspace.write("config/profiles/offline.yaml", "{}\n");
    await workspace.write("config/profiles/ci.yaml", "{}\n");
    await workspace.write("config/profiles/notes.txt", "");
    await workspace.write("config/profiles/old.yml", "");
    await mkdir(join(workspace.root, "config/profiles/dir.yaml"));
    expect(await listProfiles(join(workspace.root, "config"))).toEqual(["ci", "offline"]);
  });

  it("gives an empty list when there is no profiles directory", async () => {
    expect(await listProfiles(join(workspace.root, "nowhere"))).toEqual([]);
  });
});
