// Which of OpenRC's own init scripts go into the image: OpenRC reads every script in /etc/init.d at each boot, so unused ones cost boot time.
import type { ManifestEntry } from "./manifest.js";

const INIT_D = /^etc\/init\.d\/([^/]+)$/;
/** `need`, `want` and `provide` calls inside depend(): the words after them are service names. */
const DEPEND_CALL = /^\s*(need|want|provide)\s+([^#;\n]*)/gm;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface Depends {
  /** Names it needs or wants: OpenRC starts these with it (a missing `need` is an error at boot). */
  readonly pulls: readonly string[];
  readonly provides: readonly string[];
}

/** The body of `depend()` (up to the first line that is a lone `}`), or "" if the script has none. */
function dependBody(script: string): string {
  const start = /^depend\s*\(\)\s*\{?\s*$/m.exec(script);
  if (start === null) return "";
  const rest = script.slice(start.index + start[0].length);
  const end = /^\}\s*$/m.exec(rest);
  return end === null ? rest : rest.slice(0, end.index);
}

/**
 * The literal names after need/want/provide. Names computed at boot ($VAR, $(...)) cannot be
 * read here; a service that needs one of those has to be listed in a runlevel itself.
 */
export function scriptDepends(script: string): Depends {
  const pulls: string[] = [];
  const provides: string[] = [];
  for (const [, call, words] of dependBody(script).matchAll(DEPEND_CALL)) {
    const names = words!.trim().split(/\s+/).filter((word) => NAME.test(word));
    (call === "provide" ? provides : pulls).push(...names);
  }
  return { pulls, provides };
}

/**
 * The init scripts to keep out of `scripts` (name -> text): the services in the runlevels and,
 * transitively, every script they need or want, by name or by what it provides. OpenRC starts
 * only those, so dropping the rest changes nothing at boot but the time: it runs each script in
 * /etc/init.d through a shell to build its dependency tree, about 20 ms per script under TCG.
 */
export function initScriptsToKeep(scripts: ReadonlyMap<string, string>, enabled: Iterable<string>): Set<string> {
  const depends = new Map([...scripts].map(([name, text]) => [name, scriptDepends(text)]));
  const providers = new Map<string, string[]>();
  for (const [name, { provides }] of depends) {
    for (const virtual of provides) providers.set(virtual, [...(providers.get(virtual) ?? []), name]);
  }
  const keep = new Set<string>();
  const queue = [...enabled];
  while (queue.length > 0) {
    const name = queue.pop()!;
    for (const script of [name, ...(providers.get(name) ?? [])]) {
      if (keep.has(script) || !depends.has(script)) continue;
      keep.add(script);
      queue.push(...depends.get(script)!.pulls);
    }
  }
  return keep;
}

/** OpenRC's cgroup helper: openrc-run.sh sources it, when present, for every service it runs. */
export const RC_CGROUP_SH = "lib/rc/sh/rc-cgroup.sh";

/**
 * The OpenRC tree without its cgroup support (unless `cgroups`). openrc-run.sh loads
 * rc-cgroup.sh only if it exists; with it, every service start also parses its 250 lines, greps
 * /proc/1/mountinfo and /proc/filesystems and forks a subshell, in vain on a kernel without
 * cgroups: about 20 ms per service under TCG, 0.2 s of the default boot.
 */
export function pruneCgroupSupport(tree: readonly ManifestEntry[], cgroups: boolean): ManifestEntry[] {
  return cgroups ? [...tree] : tree.filter((entry) => entry.path !== RC_CGROUP_SH);
}

/**
 * The OpenRC tree without the init scripts that no runlevel service leads to (see
 * initScriptsToKeep). Scripts from config/files (`files`) are always kept, and count as
 * runlevel roots for what they need; their conf.d files and OpenRC's stay as they are.
 */
export function pruneInitScripts(
  tree: readonly ManifestEntry[],
  files: readonly ManifestEntry[],
  enabled: Iterable<string>,
): ManifestEntry[] {
  const scripts = new Map<string, string>();
  const own: string[] = [];
  const decoder = new TextDecoder();
  for (const [layer, entries] of [["tree", tree], ["files", files]] as const) {
    for (const entry of entries) {
      const name = INIT_D.exec(entry.path)?.[1];
      if (name === undefined || name.endsWith(".sh") || entry.kind !== "file") continue;
      scripts.set(name, decoder.decode(entry.data));
      if (layer === "files") own.push(name);
    }
  }
  const keep = initScriptsToKeep(scripts, [...enabled, ...own]);
  return tree.filter((entry) => {
    const name = INIT_D.exec(entry.path)?.[1];
    return entry.kind !== "file" || name === undefined || name.endsWith(".sh") || keep.has(name);
  });
}
