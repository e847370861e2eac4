// `lock source`: shows how a pin would move, writes only with --write, into the layer that defines the pin, keeping comments.
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../orchestrator/cli/main.js";
import { versionInFileName, versionOf } from "../../../orchestrator/lock/source-pin.js";
import { REPO } from "../../helpers/cli.js";

async function project() {
  const dir = await mkdtemp(join(tmpdir(), "levitate-lock-source-"));
  await cp(join(REPO, "config"), join(dir, "config"), { recursive: true });
  await cp(join(REPO, "linux"), join(dir, "linux"), { recursive: true });
  return dir;
}

async function run(dir: string, args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    cwd: dir,
    env: { HOME: dir, LEVITATE_CACHE: join(dir, "cache") },
    stdout: { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WriteStream,
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WriteStream,
  });
  return { code, stdout, stderr };
}

describe("lock source", () => {
  it("reads versions from source file names", () => {
    expect(versionInFileName("busybox-1.37.0.tar.bz2")).toBe("1.37.0");
    expect(versionInFileName("linux-6.12.10.tar.xz")).toBe("6.12.10");
    expect(versionInFileName("linux-source-6.1.tar.xz")).toBe("6.1");
    expect(versionInFileName("openrc.tar.gz")).toBeNull();
  });

  it("keeps the pin's version for the same bytes, and asks when the name says less than the pin", () => {
    const pin = { version: "6.12.117", file: "linux-source-6.12.tar.xz", sha256: "a".repeat(64) };
    expect(versionOf("linux-source-6.12.tar.xz", "a".repeat(64), pin)).toBe("6.12.117");
    expect(versionOf("linux-source-6.12.tar.xz", "b".repeat(64), pin)).toBeNull();
    expect(versionOf("linux-source-6.13.tar.xz", "b".repeat(64), pin)).toBe("6.13");
    const busybox = { version: "1.37.0", file: "busybox-1.37.0.tar.bz2", sha256: "c".repeat(64) };
    expect(versionOf("busybox-1.37.1.tar.bz2", "d".repeat(64), busybox)).toBe("1.37.1");
    const openrc = { version: "0.54", file: "openrc.tar.gz", sha256: "e".repeat(64) };
    expect(versionOf("openrc.tar.gz", "f".repeat(64), openrc)).toBe("0.54");
    expect(versionOf("other.tar.gz", "f".repeat(64), openrc)).toBeNull();
  });

  it("an unchanged file is up to date, even when its name says less than the pin", async () => {
    const dir = await project();
    const file = join(dir, "linux-source-6.12.tar.xz");
    await writeFile(file, "the pinned kernel tree\n");
    const pinned = await run(dir, ["lock", "source", "linux", "--profile", "offline", "--file", file, "--version", "6.12.117", "--write"]);
    expect(pinned.code, pinned.stderr).toBe(0);
    const again = await run(dir, ["lock", "source", "linux", "--profile", "offline", "--file", file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("sources.linux: up to date (6.12.117,");
    await writeFile(file, "the next build of 6.12\n");
    const moved = await run(dir, ["lock", "source", "linux", "--profile", "offline", "--file", file]);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain("cannot tell the version of linux-source-6.12.tar.xz from its name (it says 6.12, the pin 6.12.117)");
  });

  it("shows the move without --write and changes nothing", async () => {
    const dir = await project();
    const file = join(dir, "busybox-9.9.9.tar.bz2");
    await writeFile(file, "not really busybox\n");
    const before = await readFile(join(dir, "config", "levitate.yaml"), "utf8");
    const result = await run(dir, ["lock", "source", "busybox", "--file", file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("~ sources.busybox.version: ");
    expect(result.stdout).toContain("-> 9.9.9");
    expect(result.stdout).toContain("not written: run again with --write to apply");
    expect(await readFile(join(dir, "config", "levitate.yaml"), "utf8")).toBe(before);
  });

  it("with --write moves the pin in the profile that overrides it, keeps comments, and the config still loads", async () => {
    const dir = await project();
    const file = join(dir, "linux-source-6.1.tar.xz");
    await writeFile(file, "a newer kernel tree\n");
    const result = await run(dir, ["lock", "source", "linux", "--profile", "offline", "--file", file, "--version", "6.1.999", "--write"]);
    expect(result.code, result.stderr).toBe(0);
    const offline = await readFile(join(dir, "config", "profiles", "offline.yaml"), "utf8");
    expect(offline).toContain("version: 6.1.999");
    expect(offline).toContain("sha256: e6034e6be0ab648b9d04850bef7113f715d9a3a690aee28381154e7299d9398a");
    expect(offline).toContain("# For machines with no container registry");
    expect(await readFile(join(dir, "cache", "mirror", "linux-source-6.1.tar.xz"), "utf8")).toBe("a newer kernel tree\n");
    const base = await readFile(join(dir, "config", "levitate.yaml"), "utf8");
    expect(base).toContain(await readFile(join(REPO, "config", "levitate.yaml"), "utf8").then((t) => t.slice(0, 200)));
    const dry = await run(dir, ["build", "--profile", "offline", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
  });
});
