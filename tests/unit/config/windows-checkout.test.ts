// A Windows-style checkout (git core.autocrlf=true, no exec bits) builds the same image; CRLF that slips in is refused by name.
import { execFileSync } from "node:child_process";
import { chmod, cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { assembleInitramfs } from "../../../orchestrator/initramfs/assemble.js";
import { readFilesTree } from "../../../orchestrator/initramfs/files-tree.js";
import { listing } from "../../../orchestrator/initramfs/listing.js";
import { minimalLayout } from "../../../orchestrator/initramfs/minimal-layout.js";
import { readLfFile } from "../../../orchestrator/util/line-endings.js";
import { configFixture } from "../../helpers/config-fixture.js";
import { REPO } from "./workspace.js";

let scratch: string;
let clone: string;
let plain: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "levitate-windows-checkout-"));
  clone = join(scratch, "clone");
  // What a Windows user gets: autocrlf converts text to CRLF unless .gitattributes says otherwise.
  execFileSync("git", ["-c", "core.autocrlf=true", "clone", "--quiet", "--no-local", REPO, clone], { stdio: "pipe" });
  await removeExecBits(clone);
  // The same commit checked out plainly, to compare with (the working tree may hold uncommitted edits).
  plain = join(scratch, "plain");
  execFileSync("git", ["clone", "--quiet", "--no-local", REPO, plain], { stdio: "pipe" });
}, 60_000);
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function removeExecBits(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) await chmod(join(entry.parentPath, entry.name), 0o644);
  }
}

async function filesWithCr(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes("\r\n")) found.push(file);
  }
  return found;
}

/** The initramfs listing (paths, modes, content hashes) the files tree gives, over a fake BusyBox. */
async function imageListing(filesDir: string): Promise<string> {
  const config = configFixture();
  const manifest = assembleInitramfs({
    config,
    flavour: "minimal",
    busybox: { binary: new TextEncoder().encode("fake busybox\n"), applets: ["bin/sh", "sbin/init"] },
    layout: minimalLayout(config),
    files: await readFilesTree(filesDir),
  });
  return listing(manifest);
}

describe("a clone made with core.autocrlf=true and without exec bits", () => {
  it("has LF stage scripts, toolchain files, config and kernel fragment (the .gitattributes)", async () => {
    const checked = ["images", "config", "linux", "Dockerfile.toolchain"].map((path) => join(clone, path));
    for (const path of checked) expect(existsSync(path), path).toBe(true);
    const withCr = (await Promise.all(checked.slice(0, 3).map(filesWithCr))).flat();
    expect(withCr).toEqual([]);
    await expect(readLfFile(join(clone, "Dockerfile.toolchain"))).resolves.toBeInstanceOf(Buffer);
    await expect(readLfFile(join(clone, "images/stages/linux.sh"))).resolves.toBeInstanceOf(Buffer);
  });

  it("loads its config (init scripts need #!, not an exec bit) and gives the same initramfs files as a plain checkout", async () => {
    for (const profile of [null, "offline"]) {
      const config = await loadConfig({ cwd: clone, profile, env: { HOME: clone } });
      expect(config.files).toBe(join(clone, "config/files"));
    }
    const cloned = await imageListing(join(clone, "config/files"));
    expect(cloned).toContain("rwxr-xr-x");
    expect(cloned).toBe(await imageListing(join(plain, "config/files")));
  });
});

describe("CRLF that gets in anyway (no .gitattributes, an editor) is refused, naming the file", () => {
  let copy: string;
  beforeAll(async () => {
    copy = join(scratch, "crlf");
    for (const dir of ["config", "linux"]) await cp(join(REPO, dir), join(copy, dir), { recursive: true });
    await toCrlf(join(copy, "config/files/etc/init.d/klogd"));
    await toCrlf(join(copy, "linux/levitate.config"));
  });
  const toCrlf = async (file: string): Promise<void> =>
    writeFile(file, (await readFile(file, "utf8")).replaceAll("\r\n", "\n").replaceAll("\n", "\r\n"));

  it("by the config check: the kernel fragment and the init script, each with file and line", async () => {
    const error = await loadConfig({ cwd: copy, env: { HOME: copy } }).then(
      () => null,
      (caught: unknown) => caught as { details: string[] },
    );
    expect(error).not.toBeNull();
    expect(error!.details.join("\n")).toMatch(
      /kernel\.fragment: linux\/levitate\.config: expected LF line endings, got CRLF \(\\r\\n\) at line 1/,
    );
    expect(error!.details.join("\n")).toMatch(
      /openrc\.runlevels\.boot\[\d\]: .*config\/files\/etc\/init\.d\/klogd: expected LF line endings, got CRLF \(\\r\\n\) at line 1/,
    );
  });

  it("by the initramfs files tree", async () => {
    await expect(readFilesTree(join(copy, "config/files"))).rejects.toThrow(
      `${join(copy, "config/files/etc/init.d/klogd")}: expected LF line endings, got CRLF (\\r\\n) at line 1`,
    );
  });

  it("by the upload of a stage script", async () => {
    const script = join(copy, "stage.sh");
    await writeFile(script, "#!/bin/sh\r\nset -eu\r\n");
    await expect(readLfFile(script)).rejects.toThrow(`${script}: expected LF line endings, got CRLF (\\r\\n) at line 1`);
  });
});
