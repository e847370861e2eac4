// A note per process that started containers, in the cache dir: a later command sees that one died without connecting to Docker.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HostView } from "./owner.js";
import { currentOwner, liveness, parseOwner, thisHost } from "./owner.js";

const DIR = "owners";

function fileName(owner: string): string {
  return owner.replaceAll("/", "_");
}

let noted: string | null = null;

/**
 * Notes this process as one that creates containers (once; removed when it exits normally, Ctrl-C
 * included). A kill -9 leaves the note behind, which is how the next command knows to reap.
 */
export function noteContainerUser(cacheRoot: string, here: HostView = thisHost): void {
  if (noted !== null) return;
  const owner = currentOwner(here);
  const path = join(cacheRoot, DIR, fileName(`${owner.host}/${owner.pid}/${owner.start}`));
  try {
    mkdirSync(join(cacheRoot, DIR), { recursive: true });
    writeFileSync(path, "");
    noted = path;
    process.once("exit", () => rmSync(path, { force: true }));
  } catch {
    // A read-only or full cache only costs the hint: reaping still happens whenever the engine is used.
  }
}

/** Notes of processes on this host that are gone (their containers may be orphans). */
export function deadContainerUsers(cacheRoot: string, here: HostView = thisHost): string[] {
  let names: string[];
  try {
    names = readdirSync(join(cacheRoot, DIR));
  } catch {
    return [];
  }
  return names.filter((name) => {
    const owner = parseOwner(name.replace(/^(.*)_(\d+)_([^_]*)$/, "$1/$2/$3"));
    return owner !== null && liveness(owner, here) === "dead";
  });
}

export function forgetContainerUsers(cacheRoot: string, names: readonly string[]): void {
  for (const name of names) rmSync(join(cacheRoot, DIR, name), { force: true });
}
