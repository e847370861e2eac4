// Rules the schema cannot express: references between keys, files that must exist, known services.
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { isExecutableContent } from "../util/executable-content.js";
import { crlfProblem, firstCrlfLine } from "../util/line-endings.js";
import { OPENRC_LINUX_SERVICES, OPENRC_VERSION } from "./openrc-services.js";
import type { ResolvedPath, ResolvedPaths } from "./paths.js";
import type { PathProblem } from "./problems.js";
import type { ConfigDocument } from "./schema.js";
import { RUNLEVELS } from "./types.js";
import type { ResolvedConfig } from "./types.js";

export interface SemanticInput {
  /** Sections that passed the schema; rules skip what is absent. */
  readonly document: Partial<ConfigDocument>;
  /** Keys of `sources` as written, or null when `sources` is not a mapping. */
  readonly sourceNames: readonly string[] | null;
  readonly paths: ResolvedPaths;
  /** How a file is named in messages (relative to cwd when under it). */
  readonly display: (file: string) => string;
}

type Rule = (input: SemanticInput) => Promise<PathProblem[]> | PathProblem[];

const RULES: readonly Rule[] = [sourceReferences, referencedFiles, lineEndings, runlevelServices, cgroupsService];

export async function checkSemantics(input: SemanticInput): Promise<PathProblem[]> {
  const results = await Promise.all(RULES.map((rule) => rule(input)));
  return results.flat();
}

/** kernel/busybox/openrc `source` must name an entry of `sources`. */
function sourceReferences({ document, sourceNames }: SemanticInput): PathProblem[] {
  if (sourceNames === null) return [];
  const names = [...sourceNames].sort();
  const problems: PathProblem[] = [];
  for (const section of ["kernel", "busybox", "openrc"] as const) {
    const source = document[section]?.source;
    if (source === undefined || names.includes(source)) continue;
    const expected = names.length === 0 ? "a key of sources (there are none)" : `a key of sources (${names.join(", ")})`;
    problems.push({ path: [section, "source"], message: `expected ${expected}, got ${JSON.stringify(source)}` });
  }
  return problems;
}

/** OpenRC's `cgroups` service is for a kernel with cgroups, and OpenRC's cgroup support goes with it. */
function cgroupsService({ document }: SemanticInput): PathProblem[] {
  const openrc = document.openrc;
  if (openrc === undefined || openrc.cgroups) return [];
  for (const runlevel of RUNLEVELS) {
    const index = openrc.runlevels[runlevel].indexOf("cgroups");
    if (index < 0) continue;
    return [
      {
        path: ["openrc", "runlevels", runlevel, index],
        message: `expected openrc.cgroups: true with the cgroups service (it mounts the cgroup filesystems; without openrc.cgroups OpenRC's cgroup support is left out of the image), got "cgroups" with openrc.cgroups: false`,
      },
    ];
  }
  return [];
}

/**
 * The files and directories the rules below read or test, for a config that passed them (the
 * load memo watches these: keep it in step with the rules).
 */
export function semanticReadPaths(config: ResolvedConfig): string[] {
  const services = RUNLEVELS.flatMap((runlevel) => config.openrc.runlevels[runlevel]);
  return [
    config.kernel.fragment,
    ...config.kernel.patches,
    config.busybox.config,
    config.files,
    ...(config.mirror === null ? [] : [config.mirror]),
    ...services.map((service) => join(config.files, "etc", "init.d", service)),
  ];
}

type FileKind = "file" | "directory";

async function referencedFiles({ paths, display }: SemanticInput): Promise<PathProblem[]> {
  const wanted: [ResolvedPath | undefined, FileKind][] = [
    [paths.fragment, "file"],
    ...(paths.patches ?? []).map((patch): [ResolvedPath, FileKind] => [patch, "file"]),
    [paths.busyboxConfig, "file"],
    [paths.files, "directory"],
    [paths.mirror ?? undefined, "directory"],
  ];
  const problems = await Promise.all(
    wanted.map(async ([resolved, kind]) => (resolved === undefined ? null : checkExists(resolved, kind, display))),
  );
  return problems.filter((problem) => problem !== null);
}

/** The kernel fragment and BusyBox config are read by Kconfig inside Linux: CRLF (a Windows checkout) breaks them. */
async function lineEndings({ paths, display }: SemanticInput): Promise<PathProblem[]> {
  const problems = await Promise.all(
    [paths.fragment, paths.busyboxConfig].map(async (resolved) => {
      const data = resolved === undefined ? null : await readFile(resolved.absolute).catch(() => null);
      const line = data === null ? null : firstCrlfLine(data);
      if (resolved === undefined || line === null) return null;
      return { path: resolved.path, message: crlfProblem(display(resolved.absolute), line) };
    }),
  );
  return problems.filter((problem) => problem !== null);
}

async function checkExists(
  resolved: ResolvedPath,
  kind: FileKind,
  display: (file: string) => string,
): Promise<PathProblem | null> {
  const found = await kindOf(resolved.absolute);
  if (found === kind) return null;
  const shown = display(resolved.absolute);
  const why =
    found === null
      ? resolved.written === shown ? "" : ` (no such ${kind}: ${shown})`
      : ` (${shown} is a ${found})`;
  const message = `expected a path to an existing ${kind}, got ${JSON.stringify(resolved.written)}${why}`;
  return { path: resolved.path, message, ...(resolved.setting !== undefined && { setting: resolved.setting }) };
}

async function kindOf(file: string): Promise<FileKind | "special file" | null> {
  try {
    const info = await stat(file);
    return info.isFile() ? "file" : info.isDirectory() ? "directory" : "special file";
  } catch {
    return null;
  }
}

/** Each service appears once across runlevels and is either OpenRC's own or a script (#!, LF) in files/etc/init.d. */
async function runlevelServices({ document, paths, display }: SemanticInput): Promise<PathProblem[]> {
  const runlevels = document.openrc?.runlevels;
  if (runlevels === undefined) return [];
  const problems: PathProblem[] = [];
  const firstSeen = new Map<string, string>();
  const checks: Promise<PathProblem | null>[] = [];
  for (const runlevel of RUNLEVELS) {
    runlevels[runlevel].forEach((service, index) => {
      const path = ["openrc", "runlevels", runlevel, index];
      const earlier = firstSeen.get(service);
      if (earlier !== undefined) {
        const got = `got ${JSON.stringify(service)} again (already in ${earlier})`;
        problems.push({ path, message: `expected each service in one runlevel once, ${got}` });
        return;
      }
      firstSeen.set(service, runlevel);
      if (OPENRC_LINUX_SERVICES.has(service)) return;
      checks.push(checkLocalService(service, path, paths.files?.absolute ?? null, display));
    });
  }
  const local = await Promise.all(checks);
  return [...problems, ...local.filter((problem) => problem !== null)];
}

async function checkLocalService(
  service: string,
  path: PathProblem["path"],
  filesDir: string | null,
  display: (file: string) => string,
): Promise<PathProblem | null> {
  const script = filesDir === null ? null : join(filesDir, "etc", "init.d", service);
  const where = script === null ? `files/etc/init.d/${service}` : display(script);
  const expected = `expected a service OpenRC ${OPENRC_VERSION} installs on Linux or a script ${where}`;
  const got = `got ${JSON.stringify(service)}`;
  if (script === null) return { path, message: `${expected}, ${got}` };
  const info = await stat(script).catch(() => null);
  if (info === null || !info.isFile()) return { path, message: `${expected}, ${got}` };
  // The image gives files their mode from their content (files-tree.ts), not from the host's exec bit.
  const data = await readFile(script);
  if (!isExecutableContent(data)) return { path, message: `${expected}, ${got} (${where} does not start with #!)` };
  const line = firstCrlfLine(data);
  if (line !== null) return { path, message: `${expected}, ${got} (${crlfProblem(where, line)})` };
  return null;
}
