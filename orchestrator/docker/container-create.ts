// A ContainerSpec turned into a created (not started) container, least-privileged, with its inputs uploaded.
import type Docker from "dockerode";
import { LABEL_OWNER, currentOwner, formatOwner } from "../ownership/owner.js";
import { createError } from "./docker-errors.js";
import { exists } from "./dockerode-util.js";
import { DEFAULT_LIMITS, hardenedHostConfig } from "./hardening.js";
import { resourceLabels } from "./labels.js";
import { PLATFORM } from "./platform.js";
import { packInputs } from "./tar-inputs.js";
import type { ContainerSpec, InputGroup, PublishedPort, VolumeClient } from "./types.js";
import { LABEL_ROLE } from "./types.js";

/**
 * Creates the container (and any volume it mounts); maps "no such image" and "name taken" to UserErrors.
 * Every container drops all capabilities, cannot gain privileges, has bounded pids and memory, and
 * (unless detached) names its owner so an orphan can be recognised once this process is gone.
 */
export async function createContainer(docker: Docker, runId: string, volumes: VolumeClient, spec: ContainerSpec): Promise<Docker.Container> {
  for (const mount of spec.mounts ?? []) await volumes.ensure(mount.volume);
  const role = spec.labels?.[LABEL_ROLE] ?? "stage";
  const openStdin = spec.openStdin === true || spec.stdinOnce === true;
  const owner: Record<string, string> = spec.detached === true ? {} : { [LABEL_OWNER]: formatOwner(currentOwner()) };
  try {
    return await docker.createContainer({
      // A query parameter since API 1.41: an arm64 engine runs the amd64 image emulated instead of refusing it.
      platform: PLATFORM,
      Image: spec.image,
      ...(spec.name === undefined ? {} : { name: spec.name }),
      Cmd: [...spec.cmd],
      ...(spec.entrypoint === undefined ? {} : { Entrypoint: [...spec.entrypoint] }),
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
      ...(spec.user === undefined ? {} : { User: spec.user }),
      Labels: resourceLabels(runId, role, { ...owner, ...spec.labels }),
      Tty: spec.tty ?? false,
      OpenStdin: openStdin,
      StdinOnce: spec.stdinOnce ?? false,
      AttachStdin: openStdin,
      AttachStdout: true,
      AttachStderr: true,
      NetworkDisabled: spec.network === "none",
      ...(spec.ports === undefined || spec.ports.length === 0 ? {} : { ExposedPorts: exposedPorts(spec.ports) }),
      HostConfig: {
        ...hardenedHostConfig({
          memoryBytes: spec.memoryBytes ?? DEFAULT_LIMITS.memoryBytes,
          pidsLimit: spec.pidsLimit ?? DEFAULT_LIMITS.pidsLimit,
        }),
        NetworkMode: spec.network,
        ...(spec.ports === undefined || spec.ports.length === 0 ? {} : { PortBindings: portBindings(spec.ports) }),
        ReadonlyRootfs: spec.readOnlyRootfs ?? false,
        Mounts: (spec.mounts ?? []).map((m) => ({ Type: "volume" as const, Source: m.volume, Target: m.target, ReadOnly: m.readOnly ?? false })),
        ...(spec.tmpfs === undefined ? {} : { Tmpfs: { ...spec.tmpfs } }),
        Devices: (spec.devices ?? []).map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: "rwm" })),
        AutoRemove: spec.autoRemove ?? false,
        ...(spec.engineLog === false ? { LogConfig: { Type: "none", Config: {} } } : {}),
      },
    });
  } catch (error) {
    throw createError(error, spec);
  }
}

/**
 * Uploads each group as a tar stream (skipping a group whose `unlessExists` path is already there).
 * A group lands through the deepest mount that holds its directory, so uploads work with a read-only
 * root filesystem; with a `user`, the engine makes the uploaded files that user's.
 */
export async function uploadInputs(container: Docker.Container, inputs: readonly InputGroup[] | undefined, spec?: ContainerSpec): Promise<void> {
  const roots = (spec?.mounts ?? []).map((m) => m.target);
  for (const input of inputs ?? []) {
    if (input.unlessExists !== undefined && (await exists(container, input.unlessExists))) continue;
    const root = roots.filter((r) => input.dir === r || input.dir.startsWith(`${r}/`)).sort((a, b) => b.length - a.length)[0] ?? "/";
    const tar = packInputs(input.files, input.dir.slice(root.length));
    await container.putArchive(tar as unknown as NodeJS.ReadableStream, {
      path: root,
      ...(spec?.user === undefined ? {} : { copyUIDGID: "1" }),
    });
  }
}

function exposedPorts(ports: readonly PublishedPort[]): Record<string, object> {
  return Object.fromEntries(ports.map((p) => [`${p.containerPort}/${p.protocol}`, {}]));
}

function portBindings(ports: readonly PublishedPort[]): Record<string, { HostIp: string; HostPort: string }[]> {
  return Object.fromEntries(
    ports.map((p) => [`${p.containerPort}/${p.protocol}`, [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }]]),
  );
}
