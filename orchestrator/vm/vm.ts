// Starting a VM from its spec, finding a named one again (from any process), and listing them.
import type { Engine } from "../docker/types.js";
import { LABEL_ROLE } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { diskExists, diskUsers } from "./disks.js";
import { qemuCommand } from "./qemu-command.js";
import { StartedVm, noSuchVm } from "./started-vm.js";
import { bootInputs, qemuOptions, vmContainerMemory } from "./vm-spec.js";
import type { VmSpec } from "./vm-spec.js";
import { LABEL_VM_NETWORK, LABEL_VM_PUBLISH, forwardsFromLabel, forwardsLabel } from "./network.js";
import type { PortForward } from "./network.js";
import { explainNetworkError, vmContainerNetwork } from "./vm-container-network.js";
import {
  DISKS_DIR,
  DISK_VOLUME,
  LABEL_VM,
  LABEL_VM_ACCEL,
  LABEL_VM_BOOT,
  LABEL_VM_DISK,
  ROLE_VM,
  VM_DIR,
  checkName,
  vmContainerName,
} from "./vm-paths.js";

export interface VmStatus {
  readonly name: string;
  readonly containerName: string;
  readonly running: boolean;
  /** Docker's state ("running", "exited") and status text ("Up 3 minutes"). */
  readonly state: string;
  readonly status: string;
  readonly accel: string;
  readonly disk: string | null;
  readonly boot: string;
  readonly network: string;
  readonly forwards: readonly PortForward[];
}

/** Starts the VM (boot files uploaded, QEMU on the container's stdio) and returns it running. */
export async function startVm(engine: Engine, spec: VmSpec): Promise<StartedVm> {
  const name = checkName("VM", spec.name);
  const containerName = vmContainerName(name);
  const existing = await engine.containers.inspect(containerName);
  if (existing !== null) {
    throw new UserError(
      `a VM named ${name} already exists (${existing.running ? "running" : "stopped"}); pick another name or remove it with \`levitate-docker vm stop ${name}\``,
    );
  }
  const files = await bootInputs(spec.boot);
  if (spec.disk !== undefined) await checkDiskFree(engine, spec.runnerImage, spec.disk);
  const network = spec.network ?? "none";
  const forwards = spec.forwards ?? [];
  await engine.containers.start(
    {
      image: spec.runnerImage,
      name: containerName,
      cmd: qemuCommand(qemuOptions(spec)),
      ...vmContainerNetwork(network, forwards),
      memoryBytes: vmContainerMemory(spec.memory),
      ...(spec.detached === true ? { detached: true } : {}),
      ...(spec.accel === "kvm" ? { devices: ["/dev/kvm"] } : {}),
      ...(spec.disk === undefined ? {} : { mounts: [{ volume: DISK_VOLUME, target: DISKS_DIR }] }),
      labels: {
        [LABEL_ROLE]: spec.role ?? ROLE_VM,
        [LABEL_VM]: name,
        [LABEL_VM_ACCEL]: spec.accel,
        [LABEL_VM_BOOT]: `${spec.boot.kind}${spec.uefi ? "+uefi" : ""}`,
        [LABEL_VM_DISK]: spec.disk ?? "",
        [LABEL_VM_NETWORK]: network,
        [LABEL_VM_PUBLISH]: forwardsLabel(forwards),
      },
      openStdin: true,
      tty: false,
    },
    { inputs: [{ dir: VM_DIR, files }] },
  ).catch((error: unknown) => {
    throw explainNetworkError(error, network, forwards);
  });
  return new StartedVm(engine, name, containerName, spec.accel);
}

/** A VM started earlier (perhaps by another process), by name; running or not. */
export async function findVm(engine: Engine, name: string): Promise<StartedVm> {
  const containerName = vmContainerName(name);
  const state = await engine.containers.inspect(containerName);
  if (state === null) throw noSuchVm(name);
  return new StartedVm(engine, name, containerName, state.labels[LABEL_VM_ACCEL] === "kvm" ? "kvm" : "tcg");
}

export async function listVms(engine: Engine): Promise<VmStatus[]> {
  const containers = await engine.containers.list({ [LABEL_ROLE]: ROLE_VM }, { all: true });
  return containers
    .map((c) => ({
      name: c.labels[LABEL_VM] ?? c.name,
      containerName: c.name,
      running: c.state === "running",
      state: c.state,
      status: c.status,
      accel: c.labels[LABEL_VM_ACCEL] ?? "",
      disk: c.labels[LABEL_VM_DISK] === undefined || c.labels[LABEL_VM_DISK] === "" ? null : c.labels[LABEL_VM_DISK]!,
      boot: c.labels[LABEL_VM_BOOT] ?? "",
      network: c.labels[LABEL_VM_NETWORK] ?? "none",
      forwards: forwardsFromLabel(c.labels[LABEL_VM_PUBLISH]),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function checkDiskFree(engine: Engine, runnerImage: string, disk: string): Promise<void> {
  checkName("disk", disk);
  const users = (await diskUsers(engine)).get(disk) ?? [];
  if (users.length > 0) throw new UserError(`disk ${disk} is already used by VM ${users.join(", ")}; a disk can be attached to one VM at a time`);
  if (!(await diskExists({ engine, runnerImage }, disk))) {
    throw new UserError(`there is no disk named ${disk}; create it with \`levitate-docker disk create ${disk} --size 1G\``);
  }
}
