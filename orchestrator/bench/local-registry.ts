// A throwaway OCI registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1 with temporary storage, for the bench and the tests.
import { execa } from "execa";
import type { ResultPromise } from "execa";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors/errors.js";

export interface StartedRegistry extends AsyncDisposable {
  /** "127.0.0.1:PORT": what goes in front of a repository name. */
  readonly host: string;
  readonly url: string;
  readonly storage: string;
  /** Present when the registry was started with htpasswd authentication. */
  readonly credentials: { readonly username: string; readonly password: string } | null;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** One account (user and its bcrypt line, `htpasswd -Bbn`), or none: anonymous access. */
  readonly htpasswd?: { readonly username: string; readonly password: string; readonly line: string };
  /** Executable to run (default: docker-registry from PATH). */
  readonly binary?: string;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const REGISTRY_BINARY = "docker-registry";
const notInstalled = (binary: string) => `${binary} is not installed (apt-get install docker-registry)`;

/** Fails at once, with what to install, when the registry binary cannot run: the bench needs it only after its long builds. */
export async function assertRegistryInstalled(binary = REGISTRY_BINARY): Promise<void> {
  const probe = await execa(binary, ["--version"], { reject: false, stdin: "ignore" });
  if (probe.exitCode === 0) return;
  const why = (probe as { code?: string }).code === "ENOENT" ? notInstalled(binary) : `${binary} --version failed: ${String(probe.message)}`;
  throw new UserError(`${why}: the bench's fresh-machine measurement runs one`);
}

export async function startRegistry(options: RegistryOptions = {}): Promise<StartedRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "levitate-registry-"));
  const storage = join(dir, "data");
  let lastError = "";
  // A port can be taken between asking and binding: try a few.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const lines = [
      "version: 0.1",
      "log: {level: error}",
      `storage: {filesystem: {rootdirectory: ${storage}}, delete: {enabled: true}}`,
      `http: {addr: "127.0.0.1:${port}"}`,
    ];
    if (options.htpasswd) {
      await writeFile(join(dir, "htpasswd"), `${options.htpasswd.line}\n`);
      lines.push(`auth: {htpasswd: {realm: levitate-test, path: ${join(dir, "htpasswd")}}}`);
    }
    await writeFile(join(dir, "config.yml"), lines.join("\n") + "\n");
    const binary = options.binary ?? REGISTRY_BINARY;
    const child = execa(binary, ["serve", join(dir, "config.yml")], { reject: false, stdin: "ignore", all: true });
    const url = `http://127.0.0.1:${port}`;
    if (await waitReady(url, child)) {
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        child.kill("SIGTERM");
        await child;
        await rm(dir, { recursive: true, force: true });
      };
      return {
        host: `127.0.0.1:${port}`,
        url,
        storage,
        credentials: options.htpasswd ? { username: options.htpasswd.username, password: options.htpasswd.password } : null,
        stop,
        [Symbol.asyncDispose]: stop,
      };
    }
    child.kill("SIGKILL");
    const result = await child;
    lastError = (result as { code?: string }).code === "ENOENT" ? notInstalled(binary) : String(result.all ?? result.message);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`docker-registry did not start: ${lastError}`);
}

/** Ready when GET /v2/ answers (200, or 401 with htpasswd); false if the process ended first. */
async function waitReady(url: string, child: ResultPromise): Promise<boolean> {
  let exited = false;
  void child.then(() => (exited = true));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.status === 200 || response.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
