// The pure parts of warm containers: which specs share one, and the shell the container and its runs execute.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { ContainerSpec } from "../../../orchestrator/docker/types.js";
import { EXIT_BUSY, execCommand, idleCommand, warmKey } from "../../../orchestrator/docker/warm-container.js";

const spec: ContainerSpec = {
  image: "levitate/toolchain:debian-abc",
  name: "levitate-stage-iso-0001",
  cmd: ["sh", "-c", "run"],
  env: { ISO_LABEL: "A" },
  network: "none",
  user: "nobody",
  readOnlyRootfs: true,
  stdinOnce: true,
  tmpfs: { "/tmp": "size=2g", "/in": "size=1g" },
  memoryBytes: 4 * 1024 ** 3,
  pidsLimit: 4096,
  labels: { "levitate-docker.role": "stage", "levitate-docker.stage": "iso", "levitate-docker.key": "k1" },
};

describe("warmKey", () => {
  it("is the same for specs that differ only in what a run sets (command, environment, name, cache key)", () => {
    const other = { ...spec, name: "levitate-stage-iso-0002", cmd: ["other"], env: { ISO_LABEL: "B" }, labels: { ...spec.labels, "levitate-docker.key": "k2" } };
    expect(warmKey(other, 300)).toBe(warmKey(spec, 300));
    // Key order does not matter.
    expect(warmKey({ ...spec, tmpfs: { "/in": "size=1g", "/tmp": "size=2g" } }, 300)).toBe(warmKey(spec, 300));
  });

  it("differs for another image, user, mount, limit, stage, or idle time", () => {
    const base = warmKey(spec, 300);
    for (const changed of [
      { ...spec, image: "levitate/toolchain:debian-def" },
      { ...spec, user: "root" },
      { ...spec, tmpfs: { "/tmp": "size=1g", "/in": "size=1g" } },
      { ...spec, memoryBytes: 1024 ** 3 },
      { ...spec, pidsLimit: 64 },
      { ...spec, labels: { ...spec.labels, "levitate-docker.stage": "grub" } },
      // Another project (its volume prefix): its own warm container.
      { ...spec, labels: { ...spec.labels, "levitate-docker.project": "other" } },
    ]) {
      expect(warmKey(changed, 300)).not.toBe(base);
    }
    expect(warmKey(spec, 60)).not.toBe(base);
  });
});

describe("idleCommand and execCommand", () => {
  it("takes a whole number of idle seconds from 1", () => {
    expect(() => idleCommand(0)).toThrow(/whole number from 1/);
    expect(() => idleCommand(1.5)).toThrow(/whole number from 1/);
    expect(idleCommand(300).join(" ")).toContain("-lt 300");
  });

  it("parse as POSIX shell (sh -n)", () => {
    for (const argv of [idleCommand(300), execCommand(["sh", "-c", "echo hi"], ["/tmp", "/in", "/out"])]) {
      expect(argv.slice(0, 2)).toEqual(["sh", "-c"]);
      execFileSync("sh", ["-n", "-c", argv[2]!]);
    }
  });

  it("runs the command as its arguments, behind the lock, empties only the tmpfs mounts it is given, and exits BUSY without running when the lock is taken", () => {
    const argv = execCommand(["printf", "%s|", "a b", "c"], ["/in"]);
    expect(argv.slice(3)).toEqual(["sh", "printf", "%s|", "a b", "c"]);
    expect(argv[2]).toContain(`exit ${EXIT_BUSY}`);
    expect(argv[2]).toMatch(/find \/in -mindepth 1 -maxdepth 1/);
    expect(argv[2]).not.toMatch(/find \/tmp/);
    expect(execCommand(["true"], [])[2]).not.toContain("find");
  });
});
