// The VM container's side of guest networking: which Docker network it joins and which ports Docker publishes.
import type { ContainerSpec } from "../docker/types.js";
import type { PortForward, VmNetwork } from "./network.js";

/**
 * none: no network at all. user: the container's own network, each forward published by Docker
 * on the host's 127.0.0.1 (never on other interfaces) to the same port in the container, where
 * QEMU's hostfwd listens. host: the host's network, where QEMU's hostfwd listens on 127.0.0.1 itself.
 */
export function vmContainerNetwork(network: VmNetwork, forwards: readonly PortForward[]): Pick<ContainerSpec, "network" | "ports"> {
  if (network === "none") return { network: "none" };
  if (network === "host") return { network: "host" };
  return {
    network: "bridge",
    ports: forwards.map((f) => ({ containerPort: f.host, protocol: f.protocol, hostIp: "127.0.0.1", hostPort: f.host })),
  };
}
