// The package lock is an input of the image tags, and only the flavour's own lock is.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { runnerRecipe, toolchainRecipe } from "../../../orchestrator/toolchain/recipes.js";
import { REPO } from "../../helpers/cli.js";

describe("image recipes and their locks", () => {
  it("hash the flavour's lock and package list, not the other flavour's", async () => {
    const config = await loadConfig({ cwd: REPO, env: { HOME: REPO }, profile: "offline" });
    const toolchain = await toolchainRecipe(config);
    const runner = await runnerRecipe(config);
    expect(Object.keys(toolchain.inputs)).toEqual(expect.arrayContaining(["file:images/toolchain/debian.lock", "file:images/toolchain/debian.packages", "file:images/lock/install-packages.sh"]));
    expect(Object.keys(toolchain.inputs).filter((k) => k.includes("alpine."))).toEqual([]);
    expect(Object.keys(runner.inputs)).toEqual(expect.arrayContaining(["file:images/qemu/debian.lock", "file:images/lock/verify-lock.sh"]));
    expect(toolchain.lock.path).toBe("images/toolchain/debian.lock");
    expect(toolchain.lock.pins.find((p) => p.name === "gcc")).toBeDefined();
    expect(toolchain.lock.sha256).toBe(toolchain.inputs["file:images/toolchain/debian.lock"]);
  });
});
