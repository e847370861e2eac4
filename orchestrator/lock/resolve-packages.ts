// Resolves an image's package list to exact versions by asking the base image's own package manager (a dry-run install).
import { InterruptedError, UserError } from "../errors/errors.js";
import type { Engine } from "../docker/types.js";
import type { ToolchainFlavour } from "../config/types.js";
import { byName } from "./package-lock-file.js";
import type { PackagePin } from "./package-lock-file.js";

const SIMULATE = "--- simulate";
const INSTALLED = "--- installed";

/**
 * The shell run in a container of the base image (host network, for the archive). The container
 * has no capabilities (docker/hardening.ts), so apt cannot switch to its `_apt` sandbox user
 * (setgroups fails and its download method dies): it fetches as root, in a throwaway container.
 */
export function resolveScript(flavour: ToolchainFlavour, names: readonly string[]): string {
  const list = names.join(" ");
  if (flavour === "debian") {
    return [
      "set -eu",
      "export DEBIAN_FRONTEND=noninteractive",
      "apt-get -o APT::Sandbox::User=root update >&2",
      `echo '${SIMULATE}'`,
      `apt-get -o APT::Sandbox::User=root install -s --no-install-recommends ${list}`,
      `echo '${INSTALLED}'`,
      "dpkg-query -W -f '${db:Status-Abbrev}${Package}=${Version}\\n' | sed -n 's/^ii *//p'",
    ].join("\n");
  }
  return [
    "set -eu",
    "apk update >&2",
    `echo '${SIMULATE}'`,
    `apk add --simulate ${list}`,
    `echo '${INSTALLED}'`,
    `awk -F: '/^P:/ { p = substr($0, 3) } /^V:/ { print p "=" substr($0, 3) }' /lib/apk/db/installed`,
  ].join("\n");
}

/**
 * The lock for `names`: every package the dry run installs or upgrades, at the version it would
 * install, plus each named package the base already has (at the base's version).
 */
export function locksFromResolution(flavour: ToolchainFlavour, names: readonly string[], output: string): PackagePin[] {
  const simulateAt = output.indexOf(`${SIMULATE}\n`);
  const installedAt = output.indexOf(`${INSTALLED}\n`);
  if (simulateAt < 0 || installedAt < simulateAt) throw new Error(`package resolution printed no '${SIMULATE}'/'${INSTALLED}' sections:\n${output.slice(-2000)}`);
  const simulated = output.slice(simulateAt + SIMULATE.length + 1, installedAt);
  const installed = parsePins(output.slice(installedAt + INSTALLED.length + 1));
  const pins = new Map<string, string>();
  for (const pin of flavour === "debian" ? parseAptSimulation(simulated) : parseApkSimulation(simulated)) pins.set(pin.name, pin.version);
  for (const name of names) {
    if (pins.has(name)) continue;
    const present = installed.find((p) => p.name === name);
    if (present === undefined) throw new Error(`package resolution: '${name}' is neither installed by the dry run nor present in the base image`);
    pins.set(name, present.version);
  }
  return [...pins].map(([name, version]) => ({ name, version })).sort(byName);
}

/** `Inst perl-base [5.36.0-7+deb12u3] (5.36.0-7+deb12u4 Debian-Security:12/... [amd64])` -> perl-base=5.36.0-7+deb12u4 */
export function parseAptSimulation(text: string): PackagePin[] {
  const pins: PackagePin[] = [];
  for (const line of text.split("\n")) {
    const match = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /.exec(line);
    if (match !== null) pins.push({ name: match[1]!, version: match[2]! });
  }
  return pins;
}

/** `(3/45) Installing musl-dev (1.2.5-r10)` and `(4/45) Upgrading musl (1.2.5-r9 -> 1.2.5-r10)` */
export function parseApkSimulation(text: string): PackagePin[] {
  const pins: PackagePin[] = [];
  for (const line of text.split("\n")) {
    const match = /^\(\d+\/\d+\) (?:Installing|Upgrading|Replacing|Downgrading) (\S+) \((?:\S+ -> )?(\S+)\)/.exec(line.trim());
    if (match !== null) pins.push({ name: match[1]!, version: match[2]! });
  }
  return pins;
}

function parsePins(text: string): PackagePin[] {
  return text
    .split("\n")
    .map((l) => /^([^=\s]+)=(\S+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, version: m[2]! }));
}

/** Runs the dry run in a throwaway container of `base`; the container is removed whatever happens. */
export async function resolvePackages(
  engine: Engine,
  options: { flavour: ToolchainFlavour; base: string; names: readonly string[]; signal?: AbortSignal },
): Promise<PackagePin[]> {
  if ((await engine.images.id(options.base)) === null) {
    throw new UserError(`cannot resolve the ${options.flavour} package lock: the base image ${options.base} is not on this engine`, {
      details: [
        options.flavour === "debian"
          ? "make it with scripts/prepare-offline.sh (or load it), then retry"
          : "the alpine lock needs the alpine base image and Alpine's package repositories; run this on a machine that has both",
      ],
    });
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const result = await engine.containers.run(
    { image: options.base, cmd: ["sh", "-c", resolveScript(options.flavour, options.names)], network: "host", labels: { "levitate-docker.role": "lock" } },
    { onOutput: (chunk, stream) => (stream === "stdout" ? out : err).push(chunk), ...(options.signal === undefined ? {} : { signal: options.signal }) },
  );
  if (result.cancelled) throw new InterruptedError(result.cancelReason ?? "abort");
  if (result.exitCode !== 0) {
    const tail = Buffer.concat([...out, ...err]).toString("utf8").trim().split("\n").slice(-15);
    throw new UserError(`resolving the ${options.flavour} packages in ${options.base} failed (exit ${result.exitCode})`, {
      details: [options.flavour === "alpine" ? "Alpine's package repositories must be reachable from the engine" : "the base image's package archive must be reachable from the engine", ...tail.map((l) => `| ${l}`)],
    });
  }
  return locksFromResolution(options.flavour, options.names, Buffer.concat(out).toString("utf8"));
}
