// A non-root stage must own the volumes it writes: a short root helper with only the chown capabilities hands them over.
import type Docker from "dockerode";
import { LABEL_OWNER, currentOwner, formatOwner } from "../ownership/owner.js";
import { hardenedHostConfig } from "./hardening.js";
import { resourceLabels } from "./labels.js";
import type { ContainerSpec } from "./types.js";

export const ROLE_PREPARE = "prepare";
/** Only what changing owners needs: chown, and reaching files whatever their mode. */
export const PREPARE_CAPS = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER"] as const;

/**
 * The volumes of `spec` its user writes, which it must own: its named volumes not mounted read-only.
 * A stage's inputs and outputs live in tmpfs mounts of its own (/in, /out), so a stage without named
 * volumes (the iso and grub stages) needs no helper at all, which keeps an edit -> ISO build short.
 */
export function writablePaths(spec: ContainerSpec): string[] {
  return (spec.mounts ?? []).filter((m) => m.readOnly !== true).map((m) => m.target);
}

/** The helper's script: only entries not yet owned by the user are changed, so a warm tree costs one walk. */
export function chownScript(user: string, paths: readonly string[]): string {
  const quoted = paths.map((p) => `'${p}'`).join(" ");
  return `u=$(id -u ${user}) && g=$(id -g ${user}) && find ${quoted} \\( ! -user "$u" -o ! -group "$g" \\) -exec chown -h "$u:$g" {} +`;
}

/**
 * Runs the helper against the created (not started) container's volumes (VolumesFrom) and waits for
 * it. Its removal is started, not awaited: `removed` settles when it is gone (the caller awaits it
 * before it returns, so nothing is left behind). The helper is as hardened as the rest apart from
 * its four capabilities.
 */
export async function giveVolumesTo(docker: Docker, runId: string, spec: ContainerSpec, container: Docker.Container): Promise<{ readonly removed: Promise<void> }> {
  const paths = writablePaths(spec);
  if (spec.user === undefined || paths.length === 0) return { removed: Promise.resolve() };
  const helper = await docker.createContainer({
    Image: spec.image,
    Entrypoint: ["sh", "-c"],
    Cmd: [chownScript(spec.user, paths)],
    User: "0:0",
    Labels: resourceLabels(runId, ROLE_PREPARE, { [LABEL_OWNER]: formatOwner(currentOwner()) }),
    NetworkDisabled: true,
    HostConfig: {
      ...hardenedHostConfig({ memoryBytes: 256 * 1024 ** 2, pidsLimit: 64 }),
      CapAdd: [...PREPARE_CAPS],
      NetworkMode: "none",
      ReadonlyRootfs: true,
      VolumesFrom: [container.id],
    },
  });
  const remove = () => helper.remove({ force: true, v: false }).then(() => undefined, () => undefined);
  try {
    await helper.start();
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const log = (await helper.logs({ stdout: true, stderr: true })) as unknown as Buffer;
      throw new Error(`could not hand the volumes ${paths.join(", ")} to user ${spec.user} (exit ${StatusCode}): ${log.toString("utf8").slice(-500)}`);
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { removed: remove() };
}
