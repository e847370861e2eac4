// Fault injection against the real CLI and engine: kills, signals, concurrent builds, damaged caches, a full disk, hostile config trees.
// Every case ends the same way: the next build succeeds, no container of this project is left, out/ holds what the stages produced.
//
// Cost in CI: about 4-5 minutes, most of it the first case (a cold BusyBox in fresh volumes, killed and
// built again: 2-3 min alone on 2 cores). The kernel is never built: its artifact is copied from the shared
// cache (the end-to-end build puts it there first), and "SIGKILL during linux" kills a forced run seconds in.
// Not here: dockerd stopped and restarted mid-stage (it would stop every other build on the engine).
import { execa } from "execa";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain } from "../../helpers/cli.js";
import { readNewc } from "../../helpers/cpio-read.js";
import type { FaultProject } from "./fault-project.js";
import { FLAGS, makeFaultProject, publishedProblems, sha256Of, sleep, waitForOutput, waitForStage } from "./fault-project.js";

interface Row {
  readonly name: string;
  outcome: string;
  leftovers: string;
  seconds: number;
}

const rows: Row[] = [];
let project: FaultProject;

/** Runs one case, then the checks every case ends with; records a row of the table. */
function faultCase(name: string, body: (row: Row) => Promise<string>, timeoutMs = 600_000): void {
  it(name, async () => {
    const row: Row = { name, outcome: "failed", leftovers: "?", seconds: 0 };
    rows.push(row);
    const started = Date.now();
    try {
      row.outcome = await body(row);
      const next = await project.cli(["build", ...FLAGS]);
      expect(next.exitCode, `the next build after "${name}" must succeed\n${explain(next)}`).toBe(0);
      const left = [...(await project.containers()).map((c) => `container ${c.name} (${c.state})`), ...(await project.halfWritten())];
      row.leftovers = left.length === 0 ? "none" : left.join(", ");
      expect(left, "nothing of this project may be left behind").toEqual([]);
      expect(await publishedProblems(project), "out/ must hold what the stages produced").toEqual([]);
    } finally {
      row.seconds = (Date.now() - started) / 1000;
    }
  }, timeoutMs);
}

/** Starts `args`, waits for the stage's container (or `output` for host stages), then sends `signal`. */
async function signalDuring(args: readonly string[], stage: string, signal: NodeJS.Signals, options: { afterMs?: number; output?: RegExp } = {}) {
  const child = project.spawn(args);
  const containerId = options.output === undefined ? await waitForStage(project, stage, child) : null;
  if (options.output !== undefined) await waitForOutput(child, options.output);
  await sleep(options.afterMs ?? 1_000);
  child.kill(signal);
  const result = await child;
  return { result, containerId, output: String(result.all) };
}

describe("fault injection (minimal flavour, offline profile, own cache and volumes)", () => {
  beforeAll(async () => {
    project = await makeFaultProject();
  });

  afterAll(async () => {
    const width = Math.max(...rows.map((r) => r.name.length), 4);
    const lines = [
      `${"case".padEnd(width)}  ${"outcome".padEnd(58)}  ${"leftovers".padEnd(10)}  time`,
      ...rows.map((r) => `${r.name.padEnd(width)}  ${r.outcome.padEnd(58)}  ${r.leftovers.padEnd(10)}  ${r.seconds.toFixed(1)} s`),
    ];
    console.log(`fault-injection suite:\n${lines.join("\n")}`);
    await project?.dispose();
  });

  faultCase("SIGKILL during busybox (cold tree), build again", async () => {
    const { result, containerId } = await signalDuring(["build", "busybox", ...FLAGS], "busybox", "SIGKILL", { afterMs: 20_000 });
    expect(result.signal).toBe("SIGKILL");
    // The orphan keeps compiling on the work volume; the next build must stop it before using the tree.
    const orphan = (await project.containers()).find((c) => c.id === containerId);
    const retry = await project.cli(["build", "busybox", ...FLAGS]);
    expect(retry.exitCode, explain(retry)).toBe(0);
    const busybox = await findArtifactFile("busybox", "busybox");
    const ran = await execa(busybox, ["echo", "static-ok"]);
    expect(ran.stdout).toBe("static-ok");
    return `retry built busybox (orphan was ${orphan?.state ?? "gone"}, reaped)`;
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    faultCase(`${signal} during busybox`, async () => {
      const { result } = await signalDuring(["build", "busybox", "--force", ...FLAGS], "busybox", signal);
      expect(result.exitCode, String(result.all)).toBe(130);
      expect(String(result.all)).toContain("interrupted");
      return "exit 130, container removed";
    });
  }

  for (const signal of ["SIGKILL", "SIGINT", "SIGTERM"] as const) {
    faultCase(`${signal} during iso`, async () => {
      const { result } = await signalDuring(["build", "iso", "--force", ...FLAGS], "iso", signal, { afterMs: 200 });
      if (signal !== "SIGKILL") expect(result.exitCode, String(result.all)).toBe(130);
      return signal === "SIGKILL" ? "killed; orphan reaped by the next build" : "exit 130, container removed";
    });
  }

  faultCase("SIGKILL during linux (forced, kernel artifact stays)", async () => {
    const { result } = await signalDuring(["build", "linux", "--force", ...FLAGS], "linux", "SIGKILL", { afterMs: 3_000 });
    expect(result.signal).toBe("SIGKILL");
    return "killed; orphan reaped, cached kernel kept";
  });

  for (const signal of ["SIGKILL", "SIGINT", "SIGTERM"] as const) {
    faultCase(`${signal} during initramfs (host stage)`, async () => {
      // A large incompressible file keeps the host stage busy long enough to be interrupted.
      await writeFile(join(project.dir, "config", "files", "ballast.bin"), randomBytes(160 * 1024 * 1024));
      try {
        const { result } = await signalDuring(["build", "initramfs", "--force", ...FLAGS], "initramfs", signal, { output: /initramfs: started/, afterMs: 100 });
        if (signal !== "SIGKILL" && result.exitCode !== 0) expect(result.exitCode, String(result.all)).toBe(130);
        // The host stage does not check for a cancel while it writes: a SIGINT/SIGTERM there lets it finish (exit 0).
        return result.exitCode === 0 ? "ran to the end despite the signal (exit 0)" : signal === "SIGKILL" ? "killed" : "exit 130";
      } finally {
        await rmFile(join(project.dir, "config", "files", "ballast.bin"));
      }
    });
  }

  faultCase("two builds of one project at once", async () => {
    const first = project.spawn(["build", "busybox", "--force", ...FLAGS]);
    await waitForStage(project, "busybox", first);
    const second = project.spawn(["build", "busybox", "--force", ...FLAGS]);
    const [a, b] = await Promise.all([first, second]);
    expect(a.exitCode, String(a.all)).toBe(0);
    expect(b.exitCode, String(b.all)).toBe(0);
    expect(String(b.all)).toMatch(/waiting for build/);
    return "second waited for the first; both built";
  });

  faultCase("corrupt artifact (one byte of the cached ISO)", async () => {
    const iso = await findArtifactFile("iso", "levitate.iso");
    await flipByte(iso, 40_000);
    const rebuilt = await project.cli(["build", ...FLAGS]);
    expect(rebuilt.exitCode, explain(rebuilt)).toBe(0);
    expect(rebuilt.stderr).toMatch(/iso.*(damaged|changed|does not match)/i);
    return "detected, discarded, iso rebuilt";
  });

  faultCase("corrupt download-cache file", async () => {
    const tarball = await findDownload("busybox");
    await flipByte(tarball, 1_000);
    // Without its copy in the sources volume, the stage needs the host's file again.
    await execa("docker", ["volume", "rm", "-f", `${project.prefix}-sources`]);
    const rebuilt = await project.cli(["build", "busybox", "--force", ...FLAGS]);
    expect(rebuilt.exitCode, explain(rebuilt)).toBe(0);
    const pinned = tarball.split("/").at(-2)!;
    expect(await sha256Of(tarball)).toBe(pinned);
    return "re-verified and fetched again from the mirror";
  });

  faultCase("truncated mirror file", async () => {
    const mirror = join(project.dir, "bad-mirror");
    await mkdir(mirror, { recursive: true });
    const good = await findDownload("busybox");
    const name = good.split("/").at(-1)!;
    await writeFile(join(mirror, name), (await readFile(good)).subarray(0, 100_000));
    await rmFile(good);
    const failed = await project.cli(["build", "busybox", "--force", ...FLAGS, "--mirror", mirror], { LEVITATE_MIRROR: mirror });
    expect(failed.exitCode, explain(failed)).toBe(1);
    expect(failed.stderr).toContain("sha256");
    expect(failed.stderr).toContain(name);
    return "refused with both hashes; nothing stored";
  });

  faultCase("cache directory on a full filesystem", async () => {
    if (process.getuid?.() !== 0) return "skipped: mounting a tmpfs needs root";
    const small = join(project.dir, "small-cache");
    await mkdir(small);
    await execa("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", small]);
    try {
      // Room for the cached artifacts and a little more, but not for a new ISO.
      const used = Number((await execa("du", ["-sk", join(project.cache, "artifacts")])).stdout.split("\t")[0]);
      await execa("mount", ["-o", `remount,size=${used + 2048}k`, small]);
      await execa("cp", ["-r", join(project.cache, "artifacts"), small]);
      const full = await project.cli(["build", "iso", "--force", ...FLAGS], { LEVITATE_CACHE: small });
      expect(full.exitCode, explain(full)).toBe(1);
      expect(full.stderr).toMatch(/no space left/i);
      const half = (await execa("find", [small, "-name", ".tmp-*", "-o", "-name", "*.partial-*"])).stdout;
      expect(half).toBe("");
      return "clear 'no space' error, nothing half-written kept";
    } finally {
      await execa("umount", [small], { reject: false });
    }
  });

  faultCase("hostile files tree: escaping symlinks are stored as symlinks", async () => {
    const files = join(project.dir, "config", "files");
    await mkdir(join(files, "hostile"), { recursive: true });
    await symlink("/etc/shadow", join(files, "hostile", "absolute"));
    await symlink("../../../../../../../../etc/passwd", join(files, "hostile", "dotdot"));
    await symlink("/etc", join(files, "hostile", "hostdir"));
    try {
      const built = await project.cli(["build", "initramfs", ...FLAGS]);
      expect(built.exitCode, explain(built)).toBe(0);
      const initramfs = await findArtifactFile("initramfs", "initramfs.cpio.gz", true);
      const entries = readNewc(gunzipSync(await readFile(initramfs)));
      const hostile = entries.filter((e) => e.name.startsWith("hostile/"));
      expect(hostile.map((e) => [e.name, (e.mode & 0o170000).toString(8), e.data.toString()])).toEqual([
        ["hostile/absolute", "120000", "/etc/shadow"],
        ["hostile/dotdot", "120000", "../../../../../../../../etc/passwd"],
        ["hostile/hostdir", "120000", "/etc"],
      ]);
      return "stored as symlinks, never followed";
    } finally {
      await rmDir(join(files, "hostile"));
    }
  });

  const hostileTrees: readonly [string, ((dir: string) => Promise<void>) | null, RegExp][] = [
    ["a non-UTF-8 file name", (dir) => writeFile(Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe])]), "x"), /hostile-tree/],
    ["a huge (3 GiB sparse) file", async (dir) => {
      const handle = await open(join(dir, "huge.bin"), "w");
      await handle.truncate(3 * 1024 ** 3);
      await handle.close();
    }, /huge\.bin/],
    ["an unreadable directory (run as nobody)", null, /locked/],
  ];
  for (const [label, make, expected] of hostileTrees) {
    faultCase(`hostile files tree: ${label}`, async () => {
      const dir = join(project.dir, "config", "files", "hostile-tree");
      await mkdir(dir, { recursive: true });
      try {
        if (make === null) return await unreadableTree(dir, expected);
        await make(dir);
        const refused = await project.cli(["build", "initramfs", ...FLAGS]);
        expect(refused.exitCode, explain(refused)).toBe(1);
        expect(refused.stderr).toMatch(expected);
        expect(refused.stderr).not.toContain("internal error");
        return "refused with a message naming the file";
      } finally {
        await rmDir(dir);
      }
    });
  }
});

async function unreadableTree(dir: string, expected: RegExp): Promise<string> {
  if (process.getuid?.() !== 0) return "skipped: needs root to run the CLI as another user";
  const { BIN } = await import("../../helpers/cli.js");
  const reachable = await execa("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "test", "-r", BIN], { reject: false });
  if (reachable.exitCode !== 0) return `skipped: user nobody cannot read ${BIN} (checkout under a private home)`;
  const locked = join(dir, "locked");
  await mkdir(join(locked, "inner"), { recursive: true });
  await writeFile(join(locked, "inner", "secret"), "x");
  await execa("chmod", ["-R", "a+rwX", project.dir, project.cache]);
  await chmod(locked, 0o000);
  // Everything else this build reads must be readable by nobody: only the locked directory is not.
  const mirror = join(project.dir, "empty-mirror");
  await mkdir(mirror, { recursive: true });
  await chmod(mirror, 0o755);
  const refused = await execa("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "node", ...(await cliArgs(["build", "initramfs", ...FLAGS]))], {
    env: { ...project.env, LEVITATE_MIRROR: mirror, HOME: project.dir },
    reject: false,
    all: true,
  });
  await chmod(locked, 0o755);
  expect(refused.exitCode, String(refused.all)).toBe(1);
  expect(String(refused.all)).toMatch(expected);
  expect(String(refused.all)).not.toContain("internal error");
  return "refused with a message naming the directory";
}

async function cliArgs(args: readonly string[]): Promise<string[]> {
  const { BIN } = await import("../../helpers/cli.js");
  return [BIN, ...args, "--config", project.configFile];
}

async function findArtifactFile(stage: string, file: string, newest = false): Promise<string> {
  const dir = join(project.cache, "artifacts", stage);
  const keys = (await readdir(dir)).filter((k) => !k.startsWith(".") && existsSync(join(dir, k, file)));
  if (keys.length === 0) throw new Error(`no ${stage} artifact holds ${file}`);
  if (!newest) return join(dir, keys[0]!, file);
  const stamped = await Promise.all(keys.map(async (k) => ({ k, at: JSON.parse(await readFile(join(dir, k, "meta.json"), "utf8")).createdAt as string })));
  stamped.sort((a, b) => (a.at < b.at ? 1 : -1));
  return join(dir, stamped[0]!.k, file);
}

async function findDownload(prefix: string): Promise<string> {
  const root = join(project.cache, "downloads");
  for (const sha of await readdir(root)) {
    for (const name of await readdir(join(root, sha)).catch(() => [] as string[])) if (name.startsWith(prefix)) return join(root, sha, name);
  }
  throw new Error(`no ${prefix} tarball in ${root}`);
}

async function flipByte(path: string, at: number): Promise<void> {
  const handle = await open(path, "r+");
  try {
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, at);
    one[0] = one[0]! ^ 0xff;
    await handle.write(one, 0, 1, at);
  } finally {
    await handle.close();
  }
}

async function rmFile(path: string): Promise<void> {
  await execa("rm", ["-f", path]);
}

async function rmDir(path: string): Promise<void> {
  await execa("rm", ["-rf", path]);
}
