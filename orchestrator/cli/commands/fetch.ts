// `levitate-docker fetch`: downloads and verifies every source a build will need, so the next build can run offline.
import { loadSelectedConfig } from "../../build/build.js";
import type { SourceProgressEvent } from "../../sources/ensure-source.js";
import { gatherSources } from "../../sources/gather.js";
import { invocationsFor } from "../../stages/table.js";
import { cacheRoot } from "../../util/cache-root.js";
import { packageRoot } from "../../util/package-root.js";
import type { Command } from "../context.js";
import { CONFIG_HELP, CONFIG_OPTIONS, parse, selection } from "../options.js";

const HELP = `usage: levitate-docker fetch [options]

Downloads and verifies every source tarball that a build of this config needs (the stages
of the flavour: OpenRC's too unless --minimal), like Buildroot's 'make source'. Each goes
into the download cache ($LEVITATE_CACHE/downloads, default ~/.cache/levitate-docker),
where a later build finds it without any network: fill a machine once, then build offline.

Looked for in order: the download cache (re-hashed), the mirror directory (--mirror, then
<cache>/mirror), the mirror sites (--mirror-site URL/<file>), then each source's own URLs.
Every file is checked against its sha256 in sources: before it is kept. All sources that
cannot be had are reported together, each with where to put it; the exit code is then 1.

options:
${CONFIG_HELP}
      --all           every entry of sources:, also those no stage of the flavour uses
`;

export const fetchCommand: Command = async (args, context) => {
  const { values } = parse("fetch", args, { ...CONFIG_OPTIONS, all: { type: "boolean" } });
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  const chosen = selection(values, context);
  const config = await loadSelectedConfig(chosen);
  const pins =
    values.all === true
      ? Object.values(config.sources)
      : invocationsFor(config, chosen.flavour, packageRoot).flatMap((stage) => stage.source ?? []);
  const gathered = await gatherSources(pins, {
    cacheRoot: cacheRoot(context.env),
    mirrors: config.mirror === null ? [] : [config.mirror],
    sites: config.mirrorSites,
    verifyCache: true,
    stopped: "those that could be had are in the download cache, verified",
    signal: context.signal,
    onProgress: progressLines((line) => context.stderr.write(`${line}\n`)),
  });
  for (const { pin, path, from } of gathered) {
    context.stdout.write(`ok  sources.${pin.name}  ${pin.file}  ${from === "cache" ? "already in the cache, verified" : `from ${from}`}\n    ${path}\n`);
  }
  context.stdout.write(`${gathered.length} source${gathered.length === 1 ? "" : "s"} verified: a build of this config needs no network for its sources\n`);
  return 0;
};

/** A line when each file starts, and at each quarter of a download whose size is known. */
function progressLines(write: (line: string) => void): (event: SourceProgressEvent) => void {
  let quarter = 0;
  return (event) => {
    if (event.bytes === 0) {
      quarter = 0;
      write(`${event.phase} ${event.file} from ${event.from}`);
      return;
    }
    if (event.total === null || event.total === 0) return;
    const reached = Math.floor((event.bytes / event.total) * 4);
    if (reached > quarter && reached < 4) {
      quarter = reached;
      write(`  ${event.file}: ${reached * 25}% of ${(event.total / 1024 / 1024).toFixed(1)} MiB`);
    }
  };
}
