// The VM commands from a script, as CI and developers use them: two VMs, exec, a disk that survives a restart, UEFI.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain } from "../helpers/cli.js";
import type { CliOptions, CliResult } from "../helpers/cli.js";
import { MINIMAL_OFFLINE } from "../helpers/minimal-build.js";
import { copyProject } from "../helpers/project-copy.js";
import type { ProjectCopy } from "../helpers/project-copy.js";

const flags = MINIMAL_OFFLINE;
const suffix = process.pid.toString(36);
const vmA = `e2e-a-${suffix}`;
const vmB = `e2e-b-${suffix}`;
const disk = `e2e-disk-${suffix}`;

describe("vm and disk commands (minimal flavour)", () => {
  // Every command runs in a throwaway copy of the project (its own out/ and volumes, the shared artifact cache):
  // the first `vm start` builds the ISO there.
  let project: ProjectCopy;
  const cli = (args: readonly string[], options?: CliOptions): Promise<CliResult> => project.cli(args, options);
  beforeAll(async () => {
    project = await copyProject("vm-cli-e2e", { sharedCache: true });
  });
  afterAll(async () => {
    for (const vm of [vmA, vmB]) await cli(["vm", "stop", vm, "--timeout", "5"]);
    await cli(["disk", "rm", disk, "--profile", "offline"]);
    await project.dispose();
  });

  it("runs two VMs at once; exec returns output and exit status; stop powers off", async () => {
    const a = await cli(["vm", "start", vmA, ...flags]);
    expect(a.exitCode, explain(a)).toBe(0);
    const b = await cli(["vm", "start", vmB, ...flags]);
    expect(b.exitCode, explain(b)).toBe(0);
    const status = await cli(["vm", "status"]);
    expect(status.stdout).toMatch(new RegExp(`${vmA}\\s+running`));
    expect(status.stdout).toMatch(new RegExp(`${vmB}\\s+running`));

    const uname = await cli(["vm", "exec", vmA, "--", "uname", "-r"]);
    expect(uname.exitCode, explain(uname)).toBe(0);
    expect(uname.stdout.trim()).toMatch(/^6\.12\.\d+/);
    const failing = await cli(["vm", "exec", vmB, "--", "sh", "-c", "echo to-stdout; ls /no/such/file; exit 3"]);
    expect(failing.exitCode, explain(failing)).toBe(3);
    expect(failing.stdout).toContain("to-stdout");
    expect(failing.stdout).toContain("/no/such/file");
    // Arguments arrive as given, like docker exec: spaces, quotes, $, a newline and an empty one.
    const exit7 = await cli(["vm", "exec", vmB, "--", "sh", "-c", "exit 7"]);
    expect(exit7.exitCode, explain(exit7)).toBe(7);
    const args = ["two words", "it's", '"dq"', "$HOME", "a\nb", ""];
    const echoed = await cli(["vm", "exec", vmB, "--", "sh", "-c", 'for a in "$@"; do printf "<%s>" "$a"; done', "argv0", ...args]);
    expect(echoed.exitCode, explain(echoed)).toBe(0);
    // runCli (execa) strips the one final newline the CLI adds after output that lacks it.
    expect(echoed.stdout.replace(/\r/g, "")).toBe(args.map((a) => `<${a}>`).join(""));
    // One argument holding a shell line runs a program of that name; the guest does not find it, and the CLI says why.
    const oneArgument = await cli(["vm", "exec", vmB, "--", "echo one; echo two"]);
    expect(oneArgument.exitCode, explain(oneArgument)).toBe(127);
    expect(oneArgument.stderr).toContain(`for a shell line: levitate-docker vm exec ${vmB} -- sh -c 'echo one; echo two'`);
    const hostname = await cli(["vm", "exec", vmB, "--", "hostname"]);
    expect(hostname.stdout.trim()).toBe("levitate");

    const logs = await cli(["vm", "logs", vmA]);
    expect(logs.stdout).toMatch(/Linux version 6\.1/);
    for (const vm of [vmA, vmB]) {
      const stopped = await cli(["vm", "stop", vm]);
      expect(stopped.exitCode, explain(stopped)).toBe(0);
      expect(stopped.stdout).toContain("powered off");
    }
    expect((await cli(["vm", "status"])).stdout).not.toContain(vmA);
  });

  it("keeps what the guest wrote to a disk across a stop and a new start", async () => {
    const created = await cli(["disk", "create", disk, "--size", "64M", "--profile", "offline"]);
    expect(created.exitCode, explain(created)).toBe(0);
    expect((await cli(["disk", "list", "--profile", "offline"])).stdout).toContain(disk);

    expect((await cli(["vm", "start", vmA, ...flags, "--disk", disk])).exitCode).toBe(0);
    const token = `written-${Date.now()}`;
    const write = await cli(["vm", "exec", vmA, "--", "sh", "-c", `mkdir -p /mnt/d && mount /dev/vda /mnt/d && echo ${token} > /mnt/d/proof && sync && umount /mnt/d`]);
    expect(write.exitCode, explain(write)).toBe(0);
    expect((await cli(["vm", "stop", vmA])).exitCode).toBe(0);

    expect((await cli(["vm", "start", vmA, ...flags, "--disk", disk])).exitCode).toBe(0);
    const read = await cli(["vm", "exec", vmA, "--", "sh", "-c", "mkdir -p /mnt/d && mount /dev/vda /mnt/d && cat /mnt/d/proof"]);
    expect(read.exitCode, explain(read)).toBe(0);
    expect(read.stdout.trim()).toBe(token);
    expect((await cli(["vm", "stop", vmA])).exitCode).toBe(0);
  });

  it("test passes under UEFI too and writes JUnit XML", async () => {
    const junit = join(project.dir, "uefi.xml");
    const tested = await cli(["test", ...flags, "--uefi", "--junit", junit]);
    expect(tested.exitCode, explain(tested)).toBe(0);
    expect(tested.stdout).toContain("UEFI");
    const xml = await readFile(junit, "utf8");
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toMatch(/<testsuite [^>]*tests="\d+"[^>]*failures="0"/);
  });

  it("--accel kvm fails fast with a clear message where KVM does not work", async () => {
    const started = Date.now();
    const forced = await cli(["test", ...flags, "--accel", "kvm"]);
    if (forced.exitCode === 0) {
      // A machine where KVM really works: then the test simply passed under KVM.
      expect(forced.stdout).toMatch(/accelerator: kvm/);
      return;
    }
    expect(forced.exitCode).toBe(1);
    expect(forced.stderr).toMatch(/--accel kvm was requested, but KVM does not work here/);
    expect(Date.now() - started).toBeLessThan(120_000);
  });
});
