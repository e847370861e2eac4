// The committed JSON Schema is the generated one, a real validator accepts every shipped and fixture config, and it agrees with zod.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CONFIG_SCHEMA_FILE,
  PROFILE_SCHEMA_FILE,
  configJsonSchema,
  profileJsonSchema,
  renderJsonSchema,
} from "../../../orchestrator/config/json-schema.js";
import { mergeOverlay } from "../../../orchestrator/config/merge.js";
import { configSchema } from "../../../orchestrator/config/schema.js";
import { FIXTURES, REPO } from "./workspace.js";

let validateConfig: ValidateFunction;
let validateProfile: ValidateFunction;
beforeAll(async () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  validateConfig = ajv.compile(JSON.parse(await readFile(join(REPO, CONFIG_SCHEMA_FILE), "utf8")));
  validateProfile = ajv.compile(JSON.parse(await readFile(join(REPO, PROFILE_SCHEMA_FILE), "utf8")));
});

const readYaml = async (file: string): Promise<unknown> => parse(await readFile(file, "utf8"));
const zodAccepts = (raw: unknown): boolean => configSchema.safeParse(raw).success;
const ajvErrors = (validate: ValidateFunction, raw: unknown): string[] =>
  validate(raw) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`);

describe("committed JSON Schema files", () => {
  it.each([
    [CONFIG_SCHEMA_FILE, configJsonSchema],
    [PROFILE_SCHEMA_FILE, profileJsonSchema],
  ])("%s is what `npm run schema` generates", async (file, generate) => {
    expect(await readFile(join(REPO, file), "utf8"), `${file} is stale: run npm run schema`).toBe(
      renderJsonSchema(generate()),
    );
  });
});

describe("shipped config", () => {
  it("config/levitate.yaml passes the schema and names it in a yaml-language-server modeline", async () => {
    const file = join(REPO, "config/levitate.yaml");
    expect(ajvErrors(validateConfig, await readYaml(file))).toEqual([]);
    expect(await readFile(file, "utf8")).toMatch(/^# yaml-language-server: \$schema=levitate\.schema\.json$/m);
  });

  it("every profile passes the profile schema alone and the config schema merged over the base", async () => {
    const base = await readYaml(join(REPO, "config/levitate.yaml"));
    const names = (await readdir(join(REPO, "config/profiles"))).filter((name) => name.endsWith(".yaml"));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const file = join(REPO, "config/profiles", name);
      const overlay = await readYaml(file);
      expect(ajvErrors(validateProfile, overlay), name).toEqual([]);
      expect(ajvErrors(validateConfig, mergeOverlay(base, overlay)), name).toEqual([]);
      expect(await readFile(file, "utf8"), name).toMatch(/^# yaml-language-server: \$schema=\.\.\/profile\.schema\.json$/m);
    }
  });
});

describe("fixtures: the JSON Schema and zod agree", () => {
  it("valid.yaml passes both; many-problems.yaml fails both", async () => {
    const valid = await readYaml(join(FIXTURES, "valid.yaml"));
    expect(ajvErrors(validateConfig, valid)).toEqual([]);
    expect(zodAccepts(valid)).toBe(true);
    const bad = await readYaml(join(FIXTURES, "many-problems.yaml"));
    expect(ajvErrors(validateConfig, bad).length).toBeGreaterThan(5);
    expect(zodAccepts(bad)).toBe(false);
  });

  it("profiles/small.yaml passes both merged over valid.yaml; profiles/broken.yaml fails both", async () => {
    const valid = await readYaml(join(FIXTURES, "valid.yaml"));
    const small = await readYaml(join(FIXTURES, "profiles/small.yaml"));
    expect(ajvErrors(validateProfile, small)).toEqual([]);
    expect(ajvErrors(validateConfig, mergeOverlay(valid, small))).toEqual([]);
    expect(zodAccepts(mergeOverlay(valid, small))).toBe(true);
    const broken = await readYaml(join(FIXTURES, "profiles/broken.yaml"));
    expect(validateProfile(broken)).toBe(false);
    expect(validateConfig(mergeOverlay(valid, broken))).toBe(false);
    expect(zodAccepts(mergeOverlay(valid, broken))).toBe(false);
  });

  // One mistake at a time over valid.yaml (the kinds many-problems.yaml gathers): both must reject each.
  const MISTAKES: readonly [string, (config: Record<string, any>) => void][] = [
    ["unknown top-level key", (c) => (c["extra"] = 1)],
    ["unknown nested key", (c) => (c["toolchain"]["extra"] = 1)],
    ["bad enum", (c) => (c["toolchain"]["flavour"] = "arch")],
    ["bad host name", (c) => (c["hostname"] = "-bad-host-")],
    ["bad image reference", (c) => (c["toolchain"]["base"] = "Alpine:3.22")],
    ["bad source reference", (c) => (c["kernel"]["source"] = "Linux")],
    ["missing required key", (c) => delete c["busybox"]["config"]],
    ["unknown runlevel", (c) => (c["openrc"]["runlevels"]["late"] = [])],
    ["bad service name", (c) => (c["openrc"]["runlevels"]["boot"] = ["Klogd"])],
    ["console with /dev/", (c) => (c["init"]["console"] = "/dev/ttyS0")],
    ["bad login", (c) => (c["init"]["login"] = "getty")],
    ["bad memory", (c) => (c["vm"] = { memory: "256MB" })],
    ["cpus as text", (c) => (c["vm"] = { cpus: "two" })],
    ["cpus zero", (c) => (c["vm"] = { cpus: 0 })],
    ["fractional cpus", (c) => (c["vm"] = { cpus: 1.5 })],
    ["file with a slash", (c) => (c["sources"]["linux"]["file"] = "linux/linux.tar.xz")],
    ["short sha256", (c) => (c["sources"]["linux"]["sha256"] = "18B0D41D")],
    ["ftp URL", (c) => (c["sources"]["linux"]["urls"] = ["ftp://example.org/linux.tar.xz"])],
    ["bad source name", (c) => (c["sources"]["Linux"] = c["sources"]["linux"])],
    ["number version", (c) => (c["sources"]["openrc"]["version"] = 0.54)],
    ["multi-line cmdline", (c) => (c["kernel"]["cmdline"] = "quiet\nsplash")],
  ];

  it.each(MISTAKES)("%s: both reject", async (_name, mistake) => {
    const config = structuredClone(await readYaml(join(FIXTURES, "valid.yaml"))) as Record<string, any>;
    mistake(config);
    expect(zodAccepts(config)).toBe(false);
    expect(validateConfig(config)).toBe(false);
  });
});
