// The bench needs docker-registry only after its cold builds: a missing one must stop it before them.
import { describe, expect, it } from "vitest";
import { assertRegistryInstalled } from "../../../orchestrator/bench/local-registry.js";
import { UserError } from "../../../orchestrator/errors/errors.js";

describe("bench registry preflight", () => {
  it("refuses at once, saying what to install, when the binary is missing", async () => {
    const error = await assertRegistryInstalled("levitate-no-such-registry-binary").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain("levitate-no-such-registry-binary is not installed (apt-get install docker-registry)");
  });

  it("passes when the binary runs", async () => {
    await expect(assertRegistryInstalled(process.execPath)).resolves.toBeUndefined();
  });
});
