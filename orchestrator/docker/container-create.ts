// A ContainerSpec turned into a created (not started) container, with its inputs uploaded.
import type Docker from "dockerode";
import { createError } from "./docker-errors.js";
import { exists } from "./dockerode-util.js";
import { resourceLabels } from "./labels.js";
import { PLATFORM } from "./platform.js";
import { packInputs } from "./tar-inputs.js";
import type { ContainerSpec, InputGroup, VolumeClient } from "./types.js";
import { LABEL_ROLE } from "./types.js";

/** Creates the container (and any volume it mounts); maps "no such image" and "name taken" to UserErrors. */
export async function createContainer(docker: Docker, runId: string, volumes: VolumeClient, spec: ContainerSpec): Promise<Docker.Container> {
  for (const mount of spec.mounts ?? []) await volumes.ensure(mount.volume);
  const role = spec.labels?.[LABEL_ROLE] ?? "stage";
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
      Labels: resourceLabels(runId, role, spec.labels ?? {}),
      Tty: spec.tty ?? false,
      OpenStdin: spec.openStdin ?? false,
      StdinOnce: false,
      AttachStdin: spec.openStdin ?? false,
      AttachStdout: true,
      AttachStderr: true,
      NetworkDisabled: spec.network === "none",
      HostConfig: {
        NetworkMode: spec.network,
        Mounts: (spec.mounts ?? []).map((m) => ({ Type: "volume" as const, Source: m.volume, Target: m.target, ReadOnly: m.readOnly ?? false })),
        Devices: (spec.devices ?? []).map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: "rwm" })),
        AutoRemove: spec.autoRemove ?? false,
        ...(spec.memoryBytes === undefined ? {} : { Memory: spec.memoryBytes }),
      },
    });
  } catch (error) {
    throw createError(error, spec);
  }
}

/** Uploads each group as a tar stream (skipping a group whose `unlessExists` path is already there). */
export async function uploadInputs(container: Docker.Container, inputs: readonly InputGroup[] | undefined): Promise<void> {
  for (const input of inputs ?? []) {
    if (input.unlessExists !== undefined && (await exists(container, input.unlessExists))) continue;
    const tar = packInputs(input.files, input.dir);
    await container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: "/" });
  }
}
