// Bench: a fresh machine (empty cache, new volumes) building from a warm registry cache, next to the cold build.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry } from "./local-registry.js";

type Cli = (args: string[], env?: Record<string, string>) => Promise<{ ms: number; stderr: string }>;

/**
 * Seeds a throwaway local registry from the bench project's last build (--cache-to), then builds
 * with an empty cache and a new volume prefix (--cache-from). Returns rows for the bench table.
 */
export async function freshMachineRows(cli: Cli, coldMs: number | null): Promise<[string, string, string][]> {
  const registry = await startRegistry();
  const fresh = await mkdtemp(join(tmpdir(), "levitate-bench-fresh-"));
  try {
    const repo = `${registry.host}/levitate/cache`;
    const seed = await cli(["build", "--cache-to", repo]);
    const prefix = `levitate-bench-fresh-${randomBytes(3).toString("hex")}`;
    const pulled = await cli(["build", "--plain", "--cache-from", repo], {
      LEVITATE_CACHE: join(fresh, "cache"),
      LEVITATE_OUT: join(fresh, "out"),
      LEVITATE_VOLUME_PREFIX: prefix,
    });
    const summary = /(?:built \d+ stages?, )?pulled \d+ stages? from cache|built \d+ stages?|up to date/.exec(pulled.stderr)?.[0] ?? "?";
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    return [
      ["seed a local registry from a finished build (--cache-to)", seconds(seed.ms), ""],
      [
        "fresh machine, warm registry: build --cache-from",
        seconds(pulled.ms),
        `${summary}${coldMs === null ? "" : `; cold build ${seconds(coldMs)}`} (target < 30 s, no compile)`,
      ],
    ];
  } finally {
    await registry.stop();
    await rm(fresh, { recursive: true, force: true });
  }
}
