// A tiny project on disk (config, files tree, kernel fragment, made-up source tarballs in a mirror) for build tests without Docker.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeProject {
  readonly dir: string;
  readonly mirror: string;
  readonly cache: string;
  readonly out: string;
  readonly env: Record<string, string>;
  dispose(): Promise<void>;
}

async function pin(mirror: string, name: string, version: string, file: string): Promise<string> {
  const bytes = Buffer.from(`${name} ${version} source, made up for a test\n`);
  await writeFile(join(mirror, file), bytes);
  const sha = createHash("sha256").update(bytes).digest("hex");
  return `  ${name}:\n    version: "${version}"\n    file: ${file}\n    sha256: ${sha}\n    urls: []\n`;
}

export async function fakeProject(label: string): Promise<FakeProject> {
  const dir = await mkdtemp(join(tmpdir(), `levitate-${label}-`));
  const mirror = join(dir, "mirror");
  await mkdir(mirror);
  await mkdir(join(dir, "config", "files", "etc"), { recursive: true });
  await mkdir(join(dir, "linux"));
  await writeFile(join(dir, "config", "files", "etc", "motd"), "welcome\n");
  await writeFile(join(dir, "config", "busybox.config"), "CONFIG_STATIC=y\n");
  await writeFile(join(dir, "linux", "levitate.config"), "CONFIG_SERIAL_8250=y\n");
  const sources = [
    await pin(mirror, "linux", "6.1.1", "linux-6.1.1.tar.xz"),
    await pin(mirror, "busybox", "1.0.0", "busybox-1.0.0.tar.bz2"),
    await pin(mirror, "openrc", "0.1", "openrc-0.1.tar.gz"),
  ];
  await writeFile(
    join(dir, "config", "levitate.yaml"),
    [
      "name: testos",
      "hostname: testhost",
      "toolchain:\n  flavour: debian\n  base: levitate/debian-base:bookworm",
      "kernel:\n  source: linux\n  fragment: ../linux/levitate.config\n  patches: []\n  cmdline: console=ttyS0",
      "busybox:\n  source: busybox\n  config: busybox.config",
      "openrc:\n  source: openrc\n  runlevels:\n    sysinit: []\n    boot: []\n    default: []\n    shutdown: []",
      "init:\n  console: ttyS0\n  login: shell",
      "files: files",
      `sources:\n${sources.join("")}`,
    ].join("\n"),
  );
  const cache = join(dir, "cache");
  const out = join(dir, "out");
  return {
    dir,
    mirror,
    cache,
    out,
    env: { HOME: dir, LEVITATE_CACHE: cache, LEVITATE_OUT: out, LEVITATE_VOLUME_PREFIX: "lvunit" },
    // maxRetries: a clean-up racing a late write (ENOTEMPTY) under load tries again instead of failing the test.
    dispose: () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }),
  };
}
