// Where the engine is (DOCKER_HOST or the platform default), described for error messages.
import { existsSync } from "node:fs";
import { homedir, platform } from "node:os";
import { join } from "node:path";

export interface Endpoint {
  /** Human-readable: "unix:///var/run/docker.sock", "tcp://10.0.0.2:2376". */
  readonly description: string;
  /** Where it came from: "DOCKER_HOST", "default socket". */
  readonly source: string;
}

export function describeEndpoint(env: NodeJS.ProcessEnv = process.env): Endpoint {
  const host = env.DOCKER_HOST;
  if (host !== undefined && host !== "") return { description: host, source: "DOCKER_HOST" };
  if (platform() === "win32") return { description: "npipe:////./pipe/docker_engine", source: "default pipe" };
  // docker-modem falls back to the rootless / Docker Desktop socket when the system one is absent.
  const candidates = ["/var/run/docker.sock", join(homedir(), ".docker/run/docker.sock")];
  const found = candidates.find((p) => existsSync(p)) ?? candidates[0]!;
  return { description: `unix://${found}`, source: "default socket" };
}

export function howToStartEngine(): string[] {
  return [
    "Start a Docker engine, then try again:",
    "  Linux:            sudo systemctl start docker   (or: sudo dockerd &)",
    "  no-registry host: sudo bash scripts/prepare-offline.sh engine",
    "  macOS / Windows:  start Docker Desktop",
    "  remote engine:    export DOCKER_HOST=tcp://HOST:2376 (or ssh://user@host)",
    "Check with: docker info",
  ];
}
