// `levitate-docker init DIR`: the new project loads with both profiles, runs the example service, and init never overwrites.
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { EXAMPLE_SERVICE, initProject } from "../../../orchestrator/project/init-project.js";
import { runMain } from "../../helpers/cli-in-process.js";

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "levitate-init-test-"));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe("initProject", () => {
  it("writes a project that loads (default and offline profile) with the example service in the default runlevel", async () => {
    const result = await initProject("new/project", scratch);
    expect(result.dir).toBe(join(scratch, "new/project"));
    expect(result.files).toEqual(
      expect.arrayContaining([
        ".gitattributes",
        "config/levitate.yaml",
        "config/profiles/offline.yaml",
        "config/levitate.schema.json",
        "config/profile.schema.json",
        "config/busybox.config",
        `config/files/etc/init.d/${EXAMPLE_SERVICE}`,
        "linux/levitate.config",
      ]),
    );
    for (const profile of [null, "offline"]) {
      const config = await loadConfig({ cwd: result.dir, profile, env: { HOME: result.dir } });
      expect(config.openrc.runlevels.default.at(-1)).toBe(EXAMPLE_SERVICE);
      expect(config.kernel.fragment).toBe(join(result.dir, "linux/levitate.config"));
    }
    const text = await readFile(join(result.dir, "config/levitate.yaml"), "utf8");
    expect(text).toMatch(/^# yaml-language-server: \$schema=levitate\.schema\.json$/m);
    expect(text).toContain("# the lock: version, file, sha256, urls");
    const script = await readFile(join(result.dir, `config/files/etc/init.d/${EXAMPLE_SERVICE}`), "utf8");
    expect(script.startsWith("#!/sbin/openrc-run\n")).toBe(true);
  });

  it("refuses a directory that has files, and leaves it as it was", async () => {
    const dir = join(scratch, "taken");
    await initProject(dir, scratch).catch(() => undefined);
    await writeFile(join(dir, "config/levitate.yaml"), "mine\n");
    const error = await initProject(dir, scratch).then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/^init: expected an empty or new directory, got .*taken with \d+ entries$/);
    expect(await readFile(join(dir, "config/levitate.yaml"), "utf8")).toBe("mine\n");
    expect((await readdir(scratch)).filter((name) => name.includes(".partial-"))).toEqual([]);
  });

  it("fills an empty directory; refuses a file", async () => {
    const empty = join(scratch, "empty");
    await initProject(empty, scratch).then(() => rm(empty, { recursive: true }));
    await mkdir(empty);
    await initProject(empty, scratch);
    expect((await stat(join(empty, "config/levitate.yaml"))).isFile()).toBe(true);
    await writeFile(join(scratch, "a-file"), "");
    await expect(initProject("a-file", scratch)).rejects.toThrow(/init: expected a directory to create, got a file at .*a-file/);
  });

  it("is a CLI command: `init DIR` prints the next steps; no DIR is a usage error", async () => {
    const done = await runMain(["init", "cli-project"], scratch);
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^created cli-project \(\d+ files\)\nnext: cd cli-project && levitate-docker build && levitate-docker test\n/);
    const none = await runMain(["init"], scratch);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain("error: init: expected one directory, got none");
  });
});
