// After a build: only one that made new artifacts removes old ones, never its own (reused ones were marked at plan time).
import { mkdtemp, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArtifactStore } from "../../../orchestrator/artifacts/artifact-store.js";
import { keepCacheBounded } from "../../../orchestrator/build/build.js";
import type { StageOutcome } from "../../../orchestrator/build/execute.js";
import type { ProgressReporter } from "../../../orchestrator/progress/reporter.js";

function reporter(infos: string[]): ProgressReporter {
  const nothing = () => undefined;
  return { plan: nothing, stageStarted: nothing, stageLog: nothing, stageFinished: nothing, info: (m) => infos.push(m), warn: nothing, close: nothing };
}

describe("keepCacheBounded", () => {
  it("a no-op removes nothing; a build that made something new removes what fell out", async () => {
    const root = await mkdtemp(join(tmpdir(), "levitate-bound-"));
    const store = new ArtifactStore(root, "/p/config/levitate.yaml", "openrc");
    const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000);
    for (const key of ["old1", "old2", "current"]) {
      await store.commit("iso", key, {}, async (tmp) => writeFile(join(tmp, "levitate.iso"), "iso"), Date.now());
      await utimes(join(store.dir("iso", key), "meta.json"), yesterday, yesterday);
    }
    const policy = { keep: 1, graceMs: 60 * 60 * 1000 };
    const outcome = (action: StageOutcome["action"]): StageOutcome[] => [{ name: "iso", action, key: "current", dir: store.dir("iso", "current"), durationMs: 1 }];
    const infos: string[] = [];

    await keepCacheBounded(store, outcome("cached"), policy, reporter(infos));
    expect(["old1", "old2", "current"].map((k) => store.has("iso", k))).toEqual([true, true, true]);
    expect(infos).toEqual([]);

    await keepCacheBounded(store, outcome("run"), policy, reporter(infos));
    // "current" is this build's (kept whatever its time); the two from yesterday go.
    expect(["old1", "old2", "current"].map((k) => store.has("iso", k))).toEqual([false, false, true]);
    expect(infos).toEqual(["cache: removed 2 artifacts no build used lately (0.0 MiB; 1 kept per stage, LEVITATE_CACHE_KEEP)"]);
  });
});
