// Guest networking against the real engine: a page the guest serves reaches the host through --publish,
// the guest reaches a server on the host's 127.0.0.1 with --network host, and --network none has no NIC.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HOST_NAME } from "../../../orchestrator/initramfs/network-files.js";
import type { VmNetwork } from "../../../orchestrator/vm/network.js";
import type { PortForward } from "../../../orchestrator/vm/network.js";
import type { StartedVm } from "../../../orchestrator/vm/started-vm.js";
import { findVm, listVms, startVm } from "../../../orchestrator/vm/vm.js";
import { SKIP_NO_ISO, announceSkip, bootFiles, engine, runnerImage } from "./vm-fixtures.js";

const boot = bootFiles();
// Not "itest-": the named-VM tests remove every VM with that prefix when they clean up.
const NAME = `nettest-${randomBytes(3).toString("hex")}`;

/** A port nothing listens on right now (the kernel picks it), on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GETs the URL until it answers (the forward is up as soon as QEMU runs, the guest's server a little later). */
async function fetchText(url: string, deadlineMs: number): Promise<string> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (response.ok) return await response.text();
      last = new Error(`HTTP ${response.status}`);
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no answer from ${url} within ${deadlineMs} ms: ${String(last)}`);
}

async function removeTestVms(): Promise<void> {
  for (const vm of await listVms(engine)) if (vm.name === NAME) await (await findVm(engine, vm.name)).stop(5000);
}

describe.skipIf(announceSkip(boot === null ? SKIP_NO_ISO : null))("guest networking (real engine, TCG)", () => {
  let image: string;
  let vm: StartedVm;
  const start = async (network: VmNetwork, forwards: PortForward[] = []): Promise<void> => {
    vm = await startVm(engine, { runnerImage: image, name: NAME, boot: boot!, accel: "tcg", memory: "256M", cpus: 1, uefi: false, network, forwards });
  };
  const exec = (command: string) => vm.exec(command, { timeoutMs: 60_000, shellTimeoutMs: 240_000 });
  /** udhcpc runs in the background (the prompt does not wait for it): the lease as the guest shows it, waited for up to 30 s. */
  const lease = () =>
    exec("i=0; until grep -q nameserver /etc/resolv.conf 2>/dev/null || [ $i -ge 30 ]; do sleep 1; i=$((i+1)); done; ip -4 addr show dev eth0; cat /etc/resolv.conf");

  beforeAll(async () => {
    image = await runnerImage();
    await removeTestVms();
  });
  afterEach(removeTestVms);
  afterAll(removeTestVms);

  it("serves a file with BusyBox httpd in the guest, fetched on the host's 127.0.0.1 through --publish", async () => {
    const port = await freePort();
    const token = `levitate-${randomBytes(6).toString("hex")}`;
    await start("user", [{ host: port, guest: 80, protocol: "tcp" }]);
    const leased = await lease();
    expect(leased.output).toContain("inet 10.0.2.15/24");
    const served = await exec(`mkdir -p /srv/www && echo ${token} > /srv/www/index.html && httpd -p 80 -h /srv/www && echo serving`);
    expect(served.output.trim()).toBe("serving");
    expect(await fetchText(`http://127.0.0.1:${port}/index.html`, 60_000)).toBe(`${token}\n`);
    const [status] = (await listVms(engine)).filter((listed) => listed.name === NAME);
    expect([status?.network, status?.forwards]).toEqual(["user", [{ host: port, guest: 80, protocol: "tcp" }]]);
  });

  it(`with --network host, resolves ${HOST_NAME} (the DHCP gateway) and reaches a server on the host's 127.0.0.1 by that name`, async () => {
    const token = `host-${randomBytes(6).toString("hex")}`;
    const server: Server = createServer((_request, response) => response.end(`${token}\n`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await start("host");
      // DHCP configured the resolver (QEMU's DNS) and named the gateway; the name resolves through musl's resolver.
      const leased = await lease();
      expect(leased.output).toContain("inet 10.0.2.15/24");
      expect(leased.output).toContain("nameserver 10.0.2.3");
      // ping prints the address it resolved before it sends anything (no DNS query leaves: /etc/hosts answers).
      const resolved = await exec(`ping -c 1 -W 2 ${HOST_NAME} 2>&1 | head -n 1`);
      expect(resolved.output.trim(), resolved.output).toMatch(new RegExp(`^PING ${HOST_NAME.replaceAll(".", "\\.")} \\(10\\.0\\.2\\.2\\)`));
      const fetched = await exec(`wget -q -O - http://${HOST_NAME}:${port}/`);
      expect(fetched.exitCode, fetched.output).toBe(0);
      expect(fetched.output.trim()).toBe(token);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("with --network none, the guest has no eth0", async () => {
    await start("none");
    const links = await exec("ls /sys/class/net");
    expect(links.output.split(/\s+/).filter(Boolean)).toEqual(["lo"]);
  });
});
