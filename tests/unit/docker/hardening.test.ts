// The privilege policy as data: what every container gets, what the volume helper may do, how big a VM's container is.
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, hardenedHostConfig } from "../../../orchestrator/docker/hardening.js";
import { PREPARE_CAPS, chownScript, writablePaths } from "../../../orchestrator/docker/volume-owner.js";
import { memorySizeBytes } from "../../../orchestrator/util/memory-size.js";
import { vmContainerMemory } from "../../../orchestrator/vm/vm-spec.js";

describe("container hardening", () => {
  it("drops every capability, forbids privilege gain, bounds pids and memory without extra swap", () => {
    expect(hardenedHostConfig({ memoryBytes: 2 * 1024 ** 3, pidsLimit: 512 })).toEqual({
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      PidsLimit: 512,
      Memory: 2 * 1024 ** 3,
      MemorySwap: 2 * 1024 ** 3,
      Privileged: false,
    });
    expect(DEFAULT_LIMITS).toEqual({ memoryBytes: 4 * 1024 ** 3, pidsLimit: 4096 });
  });

  it("hands only the writable named volumes to the stage user, changing only what it does not own yet", () => {
    const spec = {
      image: "t",
      cmd: [],
      network: "none" as const,
      user: "nobody",
      mounts: [
        { volume: "v-sources", target: "/sources" },
        { volume: "v-ro", target: "/ro", readOnly: true },
      ],
      scratch: ["/in", "/out"],
    };
    expect(writablePaths(spec)).toEqual(["/sources"]);
    // Scratch volumes only: no helper is needed at all.
    expect(writablePaths({ ...spec, mounts: [] })).toEqual([]);
    expect(chownScript("nobody", ["/work", "/out"])).toBe(
      `u=$(id -u nobody) && g=$(id -g nobody) && find '/work' '/out' \\( ! -user "$u" -o ! -group "$g" \\) -exec chown -h "$u:$g" {} +`,
    );
    expect(PREPARE_CAPS).toEqual(["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER"]);
  });

  it("reads the config's memory sizes and sizes a VM's container above its guest", () => {
    expect(memorySizeBytes("512M")).toBe(512 * 1024 ** 2);
    expect(memorySizeBytes("4G")).toBe(4 * 1024 ** 3);
    expect(memorySizeBytes("lots")).toBeNaN();
    expect(vmContainerMemory("256M")).toBe(4 * 1024 ** 3);
    expect(vmContainerMemory("8G")).toBe(8 * 1024 ** 3 + 1536 * 1024 ** 2);
  });
});
