// `levitate-docker init DIR`: a new project (config, profile, files tree, an example service, kernel fragment) from the package's own.
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { CONFIG_SCHEMA_FILE, PROFILE_SCHEMA_FILE } from "../config/json-schema.js";
import { UserError } from "../errors/errors.js";
import { partialPathFor } from "../util/atomic.js";
import { packageRoot } from "../util/package-root.js";

/** The example service the new project runs in the default runlevel. */
export const EXAMPLE_SERVICE = "hello";

/** Copied from the package as they are, same relative layout (the config's paths keep working). */
const COPIED: readonly string[] = [
  "config/profiles",
  "config/busybox.config",
  "config/files",
  CONFIG_SCHEMA_FILE,
  PROFILE_SCHEMA_FILE,
  "linux/levitate.config",
];

const EXAMPLE_SERVICE_SCRIPT = `#!/sbin/openrc-run
# An example service: started in the default runlevel (config/levitate.yaml, openrc.runlevels).
# Replace it with your own daemon: command=/usr/sbin/mydaemon, command_background=yes, pidfile=...
description="says hello on the console"

depend() {
\tafter localmount
}

start() {
\tebegin "Hello from \${RC_SVCNAME}"
\techo "hello from LevitateOS" > /run/hello
\teend $?
}
`;

const FILES: Readonly<Record<string, string>> = {
  [`config/files/etc/init.d/${EXAMPLE_SERVICE}`]: EXAMPLE_SERVICE_SCRIPT,
  ".gitattributes": "# Keep text LF in every checkout (Windows core.autocrlf included): these files run inside Linux.\n* text=auto eol=lf\n",
  ".gitignore": "out/\n",
};

export interface InitResult {
  readonly dir: string;
  /** Paths written, relative to dir, sorted. */
  readonly files: readonly string[];
}

/**
 * Writes a new project into `dir` (created; must be absent or empty). Everything is written
 * into a partial directory next to it first and renamed into place, so a failure leaves nothing.
 */
export async function initProject(target: string, cwd: string): Promise<InitResult> {
  const dir = resolve(cwd, target);
  const existing = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    if (error.code === "ENOTDIR") throw new UserError(`init: expected a directory to create, got a file at ${dir}`);
    throw error;
  });
  if (existing !== null && existing.length > 0) {
    throw new UserError(`init: expected an empty or new directory, got ${dir} with ${existing.length} entries`, {
      details: ["init never overwrites a project; pick another directory or empty this one"],
    });
  }
  await mkdir(dirname(dir), { recursive: true });
  const partial = partialPathFor(dir);
  try {
    for (const path of COPIED) await cp(join(packageRoot, path), join(partial, path), { recursive: true });
    for (const [path, text] of Object.entries(FILES)) {
      await mkdir(dirname(join(partial, path)), { recursive: true });
      await writeFile(join(partial, path), text, { mode: text.startsWith("#!") ? 0o755 : 0o644 });
    }
    await writeFile(join(partial, "config/levitate.yaml"), await projectConfig());
    if (existing !== null) await rm(dir, { recursive: true });
    await rename(partial, dir);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  return { dir, files: await listFiles(dir) };
}

/** The package's config with the example service in the default runlevel; comments kept. */
async function projectConfig(): Promise<string> {
  const doc = parseDocument(await readFile(join(packageRoot, "config/levitate.yaml"), "utf8"));
  const current = (doc.toJS() as { openrc?: { runlevels?: { default?: string[] } } }).openrc?.runlevels?.default ?? [];
  doc.setIn(["openrc", "runlevels", "default"], doc.createNode([...current, EXAMPLE_SERVICE], { flow: true }));
  return doc.toString({ lineWidth: 0 });
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, path)));
    else out.push(path);
  }
  return out.sort();
}
