// A build whose sources cannot be had stops before any stage runs: no engine, no container, every missing source named.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { build } from "../../../orchestrator/build/build.js";
import { loadConfig } from "../../../orchestrator/config/load.js";
import { UserError } from "../../../orchestrator/errors/errors.js";
import { createReporter } from "../../../orchestrator/progress/reporter.js";
import { REPO } from "../../helpers/cli.js";
import { closedPort } from "../sources/local-server.js";
import { collectOutput } from "../progress/collect.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "levitate-missing-sources-"));
  await cp(join(REPO, "config"), join(dir, "config"), { recursive: true });
  await cp(join(REPO, "linux"), join(dir, "linux"), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("build with sources that cannot be had", () => {
  it("names every missing source at once and never touches the engine", async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const configFile = join(dir, "config", "levitate.yaml");
    const text = (await readFile(configFile, "utf8")).replace(/urls: \[[^\]]*\]/g, (_m) => `urls: [${dead}/gone.tar]`);
    await writeFile(configFile, text);
    let engineAsked = 0;
    const output = collectOutput();
    const attempt = build({
      cwd: dir,
      env: { HOME: dir, LEVITATE_CACHE: join(dir, "cache"), LEVITATE_OUT: join(dir, "out") },
      configPath: configFile,
      flavour: "openrc",
      reporter: createReporter({ mode: "plain", out: output.out as NodeJS.WriteStream }),
      engine: async () => {
        engineAsked += 1;
        throw new Error("the engine must not be asked for");
      },
    });
    const error = await attempt.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const { message, details } = error as UserError;
    // In the order the stages run: busybox, openrc, then linux.
    const { sources } = await loadConfig({ cwd: dir, configPath: configFile, env: { HOME: dir } });
    const pins = ["busybox", "openrc", "linux"].map((name) => sources[name]!);
    const named = pins.map((pin) => `sources.${pin.name} (${pin.file})`).join(", ");
    expect(message).toBe(`3 of 3 sources cannot be had: ${named}; nothing was built`);
    for (const pin of pins) {
      expect(details.join("\n")).toContain(`put ${pin.file} (sha256 ${pin.sha256}) in ${join(dir, "cache", "mirror", pin.file)} and run again`);
    }
    expect(engineAsked).toBe(0);
  });
});
