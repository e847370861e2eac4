// Entry point: read the config and its profile, check everything, return ResolvedConfig or all problems at once.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { ConfigLocator } from "./merge.js";
import { createLocator, isMapping, mergeOverlay } from "./merge.js";
import type { PathContext } from "./paths.js";
import { expandPath, resolveDocumentPaths } from "./paths.js";
import type { PathProblem, Problem } from "./problems.js";
import { displayPath, formatKeyPath, problemsError } from "./problems.js";
import { findProfile } from "./profiles.js";
import { buildResolvedConfig } from "./resolved.js";
import { effectiveMirrorSites } from "./mirror-sites.js";
import { checkSchema } from "./schema-check.js";
import { checkSemantics } from "./semantic.js";
import type { ResolvedConfig } from "./types.js";
import { readConfigLayer } from "./yaml-file.js";

export const DEFAULT_CONFIG_PATH = join("config", "levitate.yaml");

export interface LoadConfigOptions {
  /** Default: config/levitate.yaml under cwd. Relative paths resolve from cwd. */
  readonly configPath?: string;
  /** Profile name (CLI --profile); null or absent falls back to env LEVITATE_PROFILE. */
  readonly profile?: string | null;
  /** Mirror directory (CLI --mirror); null or absent falls back to env LEVITATE_MIRROR, then `mirror:`. */
  readonly mirror?: string | null;
  /** Mirror sites (CLI --mirror-site); null, absent or empty falls back to env LEVITATE_MIRROR_SITES, then `mirror_sites:`. */
  readonly mirrorSites?: readonly string[] | null;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Loads and checks the config; throws one UserError whose details list every problem. Never prints. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const home = nonEmpty(env.HOME) ?? homedir();
  const display = (file: string): string => displayPath(file, cwd);
  const configFile = expandPath(options.configPath ?? DEFAULT_CONFIG_PATH, cwd, home);
  const configDir = dirname(configFile);

  const profileFlag = nonEmpty(options.profile);
  const profile = profileFlag ?? nonEmpty(env.LEVITATE_PROFILE);
  const origin = profileFlag === null ? "LEVITATE_PROFILE" : "--profile";

  // The config file itself first: a missing or empty one is its own problem, not the profile's
  // (the profile is looked for beside it, and merged over it).
  const base = await readConfigLayer(configFile);
  const baseLayer = base.layer;
  if (baseLayer === null) throw problemsError(display(configFile), base.problems, { cwd, fileOrder: [configFile] });
  if (profile !== null && !isMapping(baseLayer.value)) {
    const alone = checkSchema(baseLayer.value).problems.map((problem) => locateProblem(problem, createLocator(baseLayer, null)));
    throw problemsError(display(configFile), [...base.problems, ...alone], { cwd, fileOrder: [configFile] });
  }
  const profileFile = profile === null ? null : await findProfile(configDir, profile, { origin, display });

  const subject = profile === null ? display(configFile) : `${display(configFile)} with profile ${profile}`;
  const fileOrder = profileFile === null ? [configFile] : [configFile, profileFile];
  const fail = (problems: readonly Problem[]) => problemsError(subject, problems, { cwd, fileOrder });

  const overlay = profileFile === null ? null : await readConfigLayer(profileFile);
  const problems: Problem[] = [...base.problems, ...(overlay?.problems ?? [])];
  if (overlay?.layer === null) throw fail(problems);

  const overlayLayer = overlay?.layer ?? null;
  const locator = createLocator(baseLayer, overlayLayer);
  const raw = overlayLayer === null ? baseLayer.value : mergeOverlay(baseLayer.value, overlayLayer.value);
  const schema = checkSchema(raw);
  const context: PathContext = {
    locator,
    home,
    cwd,
    mirrorFlag: nonEmpty(options.mirror),
    mirrorEnv: nonEmpty(env.LEVITATE_MIRROR),
  };
  const paths = resolveDocumentPaths(schema.document, context);
  const semantic = await checkSemantics({ document: schema.document, sourceNames: schema.sourceNames, paths, display });
  const sites = effectiveMirrorSites({
    flags: options.mirrorSites ?? null,
    env: nonEmpty(env.LEVITATE_MIRROR_SITES),
    document: schema.document.mirror_sites,
  });
  problems.push(...[...schema.problems, ...semantic, ...sites.problems].map((problem) => locateProblem(problem, locator)));
  if (problems.length > 0 || schema.complete === null) throw fail(problems);

  return buildResolvedConfig(
    schema.complete,
    { configFile, configDir, profile, profileFile, mirror: paths.mirror?.absolute ?? null, mirrorSites: sites.sites },
    context,
  );
}

function locateProblem(problem: PathProblem, locator: ConfigLocator): Problem {
  if (problem.setting !== undefined) {
    return { file: null, line: null, column: null, key: problem.setting, message: problem.message };
  }
  const { file, line } = locator.locate(problem.path);
  return { file, line, column: null, key: formatKeyPath(problem.path), message: problem.message };
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === "" ? null : value;
}
