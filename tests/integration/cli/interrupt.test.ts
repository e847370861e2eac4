// Ctrl-C during a stage: the container is stopped and removed, no artifact is kept, and the next build reruns it.
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine } from "../../../orchestrator/docker/engine.js";
import { BIN, REPO } from "../../helpers/cli.js";
import { copyProject, listFiles } from "../../helpers/project-copy.js";

describe("interrupting a build", () => {
  const engine = createEngine();
  const prefix = `levitate-itest-${process.pid}`;
  afterAll(async () => {
    for (const v of await engine.volumes.list({ "levitate-docker": "1" })) if (v.name.startsWith(prefix)) await engine.volumes.remove(v.name);
  });

  it("SIGINT stops the stage container, removes it and keeps nothing half-built", async () => {
    const project = await copyProject("interrupt");
    try {
      const since = Math.floor(Date.now() / 1000) - 1;
      const child = execa("node", [BIN, "build", "busybox", "--minimal", "--profile", "offline", "--config", project.configFile, "--plain"], {
        cwd: REPO,
        env: { ...project.env, CI: "true", LEVITATE_VOLUME_PREFIX: prefix },
        reject: false,
        stdin: "ignore",
      });
      let seen: string | undefined;
      for (let i = 0; i < 600 && seen === undefined; i += 1) {
        await new Promise((r) => setTimeout(r, 250));
        const running = await engine.containers.list({ "levitate-docker.stage": "busybox" }, { all: true });
        seen = running.find((c) => c.created >= since && c.state === "running")?.id;
        if (child.exitCode !== null) break;
      }
      if (seen === undefined) {
        if (child.exitCode === null) child.kill("SIGKILL");
        const early = await child;
        expect.fail(`a busybox stage container should have started; the build ended with ${early.exitCode}:\n${String(early.stdout)}\n${String(early.stderr)}`);
      }
      // Let it work for a moment, then press Ctrl-C.
      await new Promise((r) => setTimeout(r, 2000));
      child.kill("SIGINT");
      const result = await child;
      expect(result.exitCode, String(result.stderr)).toBe(130);
      expect(String(result.stderr)).toContain("interrupted");
      expect(await engine.containers.inspect(seen!)).toBeNull();
      const kept = (await listFiles(project.cache)).filter((f) => f.startsWith("artifacts/"));
      expect(kept).toEqual([]);
      const dry = await execa("node", [BIN, "build", "busybox", "--minimal", "--profile", "offline", "--config", project.configFile, "--dry-run"], {
        cwd: REPO,
        env: { ...project.env, LEVITATE_VOLUME_PREFIX: prefix },
      });
      expect(dry.stdout).toMatch(/run\s+busybox/);
    } finally {
      await project.dispose();
    }
  });
});
