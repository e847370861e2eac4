// The load memo: an unchanged project gets the remembered config; any change to a file the load read, or to the request, loads again.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { loadConfigRemembered, watchedPaths } from "../../../orchestrator/config/load-memo.js";
import type { Workspace } from "./workspace.js";
import { createWorkspace, writeSupportFiles } from "./workspace.js";

let workspace: Workspace;
let root: string;
let memoDir: string;
beforeEach(async () => {
  workspace = await createWorkspace();
  root = workspace.root;
  memoDir = join(root, "cache", "configs");
  await writeSupportFiles(workspace);
  await workspace.fixture("valid.yaml", "config/levitate.yaml");
  await workspace.fixture("profiles/small.yaml", "config/profiles/small.yaml");
  await workspace.write("config/profiles/patches/0002-profile.patch", "");
});
afterEach(() => workspace.remove());

const options = (profile: string | null = null) => ({ cwd: root, env: { HOME: root }, profile });
const remembered = (profile: string | null = null) => loadConfigRemembered(options(profile), memoDir);

/** The memo file's remembered config, or null when none was written. */
async function memoConfig(): Promise<Record<string, unknown> | null> {
  const files = existsSync(memoDir) ? await readdir(memoDir) : [];
  if (files.length === 0) return null;
  expect(files).toHaveLength(1);
  return (JSON.parse(await readFile(join(memoDir, files[0]!), "utf8")) as { config: Record<string, unknown> }).config;
}

/** Files written "just now" are racy: the memo is written only for files older than its window. */
async function ageEverything(): Promise<void> {
  const config = await loadConfig(options("small"));
  const past = new Date(Date.now() - 60_000);
  for (const path of watchedPaths(config)) if (existsSync(path)) await utimes(path, past, past);
}

describe("loadConfigRemembered", () => {
  it("gives what loadConfig gives, remembers it, and gives the remembered config (frozen) while nothing changed", async () => {
    await ageEverything();
    const first = await remembered("small");
    expect(first).toEqual(await loadConfig(options("small")));
    const memo = await memoConfig();
    expect(memo).toEqual(JSON.parse(JSON.stringify(first)));
    // Proof the memo is what answers: a value only the memo holds comes back.
    const file = join(memoDir, (await readdir(memoDir))[0]!);
    await writeFile(file, (await readFile(file, "utf8")).replace('"hostname":"testhost"', '"hostname":"from-memo"'));
    const second = await remembered("small");
    expect(second.hostname).toBe("from-memo");
    expect(Object.isFrozen(second.kernel)).toBe(true);
  });

  it("loads again when a file it read changes, and when the request differs (another profile)", async () => {
    await ageEverything();
    await remembered("small");
    const file = join(memoDir, (await readdir(memoDir))[0]!);
    await writeFile(file, (await readFile(file, "utf8")).replace('"hostname":"testhost"', '"hostname":"from-memo"'));
    expect((await remembered(null)).hostname).toBe("testhost");

    const yaml = join(root, "config", "levitate.yaml");
    await writeFile(yaml, (await readFile(yaml, "utf8")).replace("hostname: testhost", "hostname: edited1"));
    expect((await remembered("small")).hostname).toBe("edited1");
  });

  it("loads again (and reports the problem) when a file the semantic checks read is gone", async () => {
    await ageEverything();
    await remembered("small");
    expect(await memoConfig()).not.toBeNull();
    await rm(join(root, "config", "busybox.config"));
    const error = (await remembered("small").catch((e: unknown) => e)) as { details?: string[] };
    expect(error.details?.join("\n")).toMatch(/busybox.config: expected a path to an existing file/);
  });

  it("does not remember a load whose files changed within the racy window", async () => {
    const config = await remembered("small");
    expect(config.hostname).toBe("testhost");
    expect(await memoConfig()).toBeNull();
  });

  it("removes memos nobody used for two weeks when it writes one", async () => {
    await mkdir(memoDir, { recursive: true });
    const stale = join(memoDir, "0123456789abcdef0123456789abcdef.json");
    const fresh = join(memoDir, "fedcba9876543210fedcba9876543210.json");
    await writeFile(stale, "{}");
    await writeFile(fresh, "{}");
    const old = new Date(Date.now() - 15 * 24 * 3600 * 1000);
    await utimes(stale, old, old);
    await ageEverything();
    await remembered("small");
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect((await readdir(memoDir)).length).toBe(2);
  });
});
