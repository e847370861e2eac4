// Persistent VM disks: qcow2 files in the levitate-disks volume, managed with qemu-img in throwaway runner containers.
//
// Filesystem decision: createDisk formats a new disk as ext2 by default (mkfs.ext2 on a sparse raw
// file, converted to qcow2, all inside the runner container), so the guest only has to
// `mount /dev/vda /mnt`. `filesystem: "none"` makes a blank disk instead; format it once from the
// guest with BusyBox: `levitate-docker vm exec NAME 'mke2fs /dev/vda'` (mke2fs is in every BusyBox that has mkfs.ext2).
import type { Engine } from "../docker/types.js";
import { LABEL_ROLE } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { finishedExitCode } from "../docker/run-outcome.js";
import { DISKS_DIR, DISK_VOLUME, LABEL_VM, LABEL_VM_DISK, ROLE_VM, ROLE_VM_TOOL, checkName } from "./vm-paths.js";

export interface DiskToolOptions {
  readonly engine: Engine;
  readonly runnerImage: string;
  readonly signal?: AbortSignal;
}

export interface DiskInfo {
  readonly name: string;
  readonly virtualSizeBytes: number;
  /** Bytes the qcow2 file occupies in the volume. */
  readonly actualSizeBytes: number;
  /** VMs (containers) that use it, running or not. */
  readonly usedBy: readonly string[];
}

const MIN_SIZE = 1024 * 1024;
const MAX_SIZE = 2 ** 40;
const UNITS: Record<string, number> = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** "1G", "512M", "64MiB", "1048576" or a number of bytes -> bytes (binary units). */
export function parseSize(size: number | string): number {
  const match = typeof size === "number" ? null : /^([1-9][0-9]*)\s*([KMGT]?)(?:i?B)?$/i.exec(size.trim());
  const bytes = typeof size === "number" ? size : match === null ? NaN : Number(match[1]) * UNITS[match[2]!.toUpperCase()]!;
  if (!Number.isSafeInteger(bytes) || bytes < MIN_SIZE || bytes > MAX_SIZE) {
    throw new UserError(`disk size must be between 1M and 1T, like 512M or 2G; got ${JSON.stringify(size)}`);
  }
  return bytes;
}

const CREATE_SCRIPT = `set -e
target="${DISKS_DIR}/$DISK_NAME.qcow2"
if [ -e "$target" ]; then echo "exists" >&2; exit 3; fi
partial="${DISKS_DIR}/.$DISK_NAME.qcow2.partial"
if [ "$DISK_FS" = ext2 ]; then
  truncate -s "$DISK_SIZE" /tmp/disk.raw
  mkfs.ext2 -q -F -L "$DISK_LABEL" /tmp/disk.raw
  qemu-img convert -q -f raw -O qcow2 /tmp/disk.raw "$partial"
  rm -f /tmp/disk.raw
else
  qemu-img create -q -f qcow2 "$partial" "$DISK_SIZE"
fi
mv "$partial" "$target"
`;

const LIST_SCRIPT = `for f in ${DISKS_DIR}/*.qcow2; do
  [ -e "$f" ] || continue
  printf '%s\\n' "--- $(basename "$f" .qcow2)"
  qemu-img info -U --output=json "$f"
done
`;

const REMOVE_SCRIPT = `target="${DISKS_DIR}/$DISK_NAME.qcow2"
[ -e "$target" ] || exit 3
rm -f "$target"
`;

export async function createDisk(
  options: DiskToolOptions & { readonly name: string; readonly size: number | string; readonly filesystem?: "ext2" | "none" },
): Promise<DiskInfo> {
  const name = checkName("disk", options.name);
  const bytes = parseSize(options.size);
  // Guest data, not a cache: labelled as such so cleanup can tell it apart.
  await options.engine.volumes.ensure(DISK_VOLUME, { [LABEL_ROLE]: "disks" });
  const result = await tool(options, CREATE_SCRIPT, {
    DISK_NAME: name,
    DISK_SIZE: String(bytes),
    DISK_FS: options.filesystem ?? "ext2",
    DISK_LABEL: name.slice(0, 16),
  });
  if (result.exitCode === 3) throw new UserError(`a disk named ${name} already exists (levitate-docker disk rm ${name} removes it)`);
  if (result.exitCode !== 0) throw new Error(`creating disk ${name} failed (exit code ${result.exitCode}): ${result.output.trim()}`);
  const created = (await listDisks(options)).find((d) => d.name === name);
  if (created === undefined) throw new Error(`disk ${name} was created but is not in the ${DISK_VOLUME} volume`);
  return created;
}

export async function listDisks(options: DiskToolOptions): Promise<DiskInfo[]> {
  if (!(await options.engine.volumes.exists(DISK_VOLUME))) return [];
  const [result, users] = await Promise.all([tool(options, LIST_SCRIPT, {}), diskUsers(options.engine)]);
  if (result.exitCode !== 0) throw new Error(`listing disks failed (exit code ${result.exitCode}): ${result.output.trim()}`);
  return parseDiskListing(result.stdout).map((d) => ({ ...d, usedBy: users.get(d.name) ?? [] }));
}

/** Refuses while a VM (running or stopped but not removed) uses the disk. */
export async function removeDisk(options: DiskToolOptions & { readonly name: string }): Promise<void> {
  const name = checkName("disk", options.name);
  const users = (await diskUsers(options.engine)).get(name) ?? [];
  if (users.length > 0) {
    throw new UserError(`disk ${name} is in use by VM ${users.join(", ")}; stop it first (levitate-docker vm stop ${users[0]})`);
  }
  const result = await tool(options, REMOVE_SCRIPT, { DISK_NAME: name });
  if (result.exitCode === 3) throw new UserError(`there is no disk named ${name} (levitate-docker disk list shows them)`);
  if (result.exitCode !== 0) throw new Error(`removing disk ${name} failed (exit code ${result.exitCode}): ${result.output.trim()}`);
}

export async function diskExists(options: DiskToolOptions, name: string): Promise<boolean> {
  return (await listDisks(options)).some((d) => d.name === name);
}

/** Disk name -> VM names, from the labels of VM containers. */
export async function diskUsers(engine: Engine): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const c of await engine.containers.list({ [LABEL_ROLE]: ROLE_VM }, { all: true })) {
    const disk = c.labels[LABEL_VM_DISK];
    if (disk === undefined || disk === "") continue;
    users.set(disk, [...(users.get(disk) ?? []), c.labels[LABEL_VM] ?? c.name]);
  }
  return users;
}

/** Parses the LIST_SCRIPT output: "--- name" lines, each followed by qemu-img's JSON. */
export function parseDiskListing(output: string): Omit<DiskInfo, "usedBy">[] {
  const disks: Omit<DiskInfo, "usedBy">[] = [];
  for (const section of output.split(/^--- /m).slice(1)) {
    const newline = section.indexOf("\n");
    const name = section.slice(0, newline).trim();
    const info = JSON.parse(section.slice(newline + 1)) as { "virtual-size"?: number; "actual-size"?: number };
    disks.push({ name, virtualSizeBytes: info["virtual-size"] ?? 0, actualSizeBytes: info["actual-size"] ?? 0 });
  }
  return disks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function tool(
  options: DiskToolOptions,
  script: string,
  env: Record<string, string>,
): Promise<{ exitCode: number; output: string; stdout: string }> {
  let output = "";
  let stdout = "";
  const result = await options.engine.containers.run(
    {
      image: options.runnerImage,
      cmd: ["sh", "-c", script],
      env,
      network: "none",
      mounts: [{ volume: DISK_VOLUME, target: DISKS_DIR }],
      labels: { [LABEL_ROLE]: ROLE_VM_TOOL },
    },
    {
      onOutput: (chunk, stream) => {
        output += chunk.toString("utf8");
        if (stream === "stdout") stdout += chunk.toString("utf8");
      },
      timeoutMs: 300_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    },
  );
  return { exitCode: finishedExitCode(result, `container ${options.runnerImage}`, 300_000), output, stdout };
}
