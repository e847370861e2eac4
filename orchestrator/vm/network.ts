// Guest networking: QEMU user-mode networking (slirp) behind a virtio NIC, and host ports forwarded to the guest.
import { UserError } from "../errors/errors.js";

/**
 * none: no NIC (the guest is isolated). user: slirp in the VM container's own network (bridge):
 * the guest reaches what the container reaches; 10.0.2.2 is the container's loopback, not the
 * host's. host: slirp in the host's network namespace: 10.0.2.2 is the host's 127.0.0.1 (so the
 * guest can reach services listening there; opt in only for guests you trust).
 */
export type VmNetwork = "none" | "user" | "host";
export const VM_NETWORKS: readonly VmNetwork[] = ["none", "user", "host"];

export type Protocol = "tcp" | "udp";

/** `--publish HOST:GUEST[/tcp|udp]`: the host's 127.0.0.1:HOST reaches the guest's GUEST port. */
export interface PortForward {
  readonly host: number;
  readonly guest: number;
  readonly protocol: Protocol;
}

const PUBLISH = /^([0-9]{1,5}):([0-9]{1,5})(?:\/(tcp|udp))?$/;

export function parseNetwork(value: string | undefined): VmNetwork {
  const network = value ?? "user";
  if (!(VM_NETWORKS as readonly string[]).includes(network)) {
    throw new UserError(`--network: expected one of ${VM_NETWORKS.join(", ")}, got '${network}'`);
  }
  return network as VmNetwork;
}

export function parsePublish(value: string): PortForward {
  const match = PUBLISH.exec(value);
  const ports = match === null ? null : [Number(match[1]), Number(match[2])];
  if (match === null || ports === null || ports.some((port) => port < 1 || port > 65535)) {
    throw new UserError(`--publish: expected HOST:GUEST[/tcp|udp] with ports from 1 to 65535, like 8080:80, got '${value}'`);
  }
  return { host: ports[0]!, guest: ports[1]!, protocol: (match[3] ?? "tcp") as Protocol };
}

/** All --publish values at once; a host port used twice (same protocol) or forwards without a network are errors. */
export function parsePublishes(values: readonly string[], network: VmNetwork): PortForward[] {
  const forwards = values.map(parsePublish);
  if (forwards.length > 0 && network === "none") {
    throw new UserError("--publish needs guest networking, but --network is none");
  }
  const seen = new Set<string>();
  for (const forward of forwards) {
    const key = `${forward.host}/${forward.protocol}`;
    if (seen.has(key)) throw new UserError(`--publish: host port ${key} is published twice`);
    seen.add(key);
  }
  return forwards;
}

/**
 * QEMU's `hostfwd=` rules. In the host network the forward listens on 127.0.0.1 itself; in the
 * container's own network it listens on the container's addresses, where Docker's port
 * publishing (bound to the host's 127.0.0.1) delivers.
 */
export function hostForwards(network: VmNetwork, forwards: readonly PortForward[]): string[] {
  const listen = network === "host" ? "127.0.0.1" : "";
  return forwards.map((f) => `hostfwd=${f.protocol}:${listen}:${f.host}-:${f.guest}`);
}

/** `127.0.0.1:8080->80/tcp`, as `vm status` shows a forward. */
export function describeForward(forward: PortForward): string {
  return `127.0.0.1:${forward.host}->${forward.guest}/${forward.protocol}`;
}

/** Labels on VM containers that record the guest's network and forwards, for `vm status`. */
export const LABEL_VM_NETWORK = "levitate-docker.vm.network";
export const LABEL_VM_PUBLISH = "levitate-docker.vm.publish";

/** The label value that records a VM's forwards: `8080:80/tcp,5353:53/udp`. */
export function forwardsLabel(forwards: readonly PortForward[]): string {
  return forwards.map((f) => `${f.host}:${f.guest}/${f.protocol}`).join(",");
}

export function forwardsFromLabel(label: string | undefined): PortForward[] {
  if (label === undefined || label === "") return [];
  return label.split(",").flatMap((part) => {
    try {
      return [parsePublish(part)];
    } catch {
      return [];
    }
  });
}
