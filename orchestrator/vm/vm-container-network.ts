// The VM container's side of guest networking: which Docker network it joins and which ports Docker publishes.
import type { ContainerSpec } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
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

/**
 * The engine's errors a VM's network can cause, as errors a user can act on; any other error as it was.
 * A missing docker0 (the engine's default bridge deleted under a running dockerd) and a published
 * port that something on the host already holds are the two seen in practice.
 */
export function explainNetworkError(error: unknown, network: VmNetwork, forwards: readonly PortForward[]): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (forwards.length > 0 && /port is already allocated|address already in use/.test(message)) {
    return new UserError(
      `--publish: a host port is already in use on 127.0.0.1 (${forwards.map((f) => `${f.host}/${f.protocol}`).join(", ")}): ${firstLine(message)}; pick a free port`,
    );
  }
  if (network === "user" && /could not find bridge|failed to create endpoint/.test(message)) {
    return new UserError(
      `the Docker engine could not attach the VM to its default bridge network (${firstLine(message)}); ` +
        "restarting dockerd recreates it, or boot with --network none (no NIC) or --network host",
    );
  }
  return error;
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.replace(/^\(HTTP code \d+\) [a-z ]+- /, "").trim();
}
