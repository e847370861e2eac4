// `levitate-docker reproduce [out/metadata.json]`: rebuild from scratch elsewhere, compare every digest, exit 0 only if identical.
import { createEngine } from "../../docker/engine.js";
import { createReporter } from "../../progress/reporter.js";
import { formatComparison } from "../../reproduce/compare-builds.js";
import { reproduce } from "../../reproduce/reproduce.js";
import type { Command } from "../context.js";
import { parse, progressMode } from "../options.js";

const HELP = `usage: levitate-docker reproduce [METADATA] [options]

Proves a build: reads METADATA (default out/metadata.json), checks that the inputs are still
the ones it records, then rebuilds every stage from scratch with a throwaway cache root, out/
directory and volume prefix (cold work volumes and ccache; the pinned sources are taken from
the normal caches and mirrors, still verified; the toolchain image with the recorded tag is
reused, since its lock pins its packages). Then it compares the digest of every output of every
stage and of out/, and prints a table. On a mismatch it names the first stage whose outputs
differ and, for the initramfs and the ISO, lists the files that differ inside them.
Exit status: 0 only when every output is byte-identical; 1 otherwise.

Cost: a cold build (the kernel dominates: minutes).

options:
      --keep          keep the throwaway cache, out/ and volumes (their place is printed)
      --json          progress as JSON lines
      --plain         progress as plain lines
  -h, --help          show this help
`;

export const reproduceCommand: Command = async (args, context) => {
  const { values, positionals } = parse("reproduce", args, { keep: { type: "boolean" }, json: { type: "boolean" }, plain: { type: "boolean" }, help: { type: "boolean", short: "h" } }, true);
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  const mode = progressMode(values, context.stderr, context.env);
  const reporter = createReporter({ mode, out: context.stderr });
  let result;
  try {
    result = await reproduce({
      cwd: context.cwd,
      env: context.env,
      metadataPath: positionals[0] ?? "out/metadata.json",
      reporter,
      engine: async () => createEngine({ env: context.env }),
      ...(values.keep ? { keep: true } : {}),
      signal: context.signal,
      log: (line) => context.stderr.write(`${line}\n`),
    });
  } finally {
    reporter.close();
  }
  const { comparison } = result;
  context.stdout.write(formatComparison(comparison));
  if (comparison.identical) {
    context.stdout.write(`reproduced: all ${comparison.rows.length} outputs are byte-identical\n`);
  } else {
    const differing = comparison.rows.filter((r) => !r.same).length;
    context.stdout.write(`NOT reproduced: ${differing} of ${comparison.rows.length} outputs differ; the first differing stage is ${comparison.firstDifferingStage}\n`);
    for (const diff of result.fileDiffs) {
      context.stdout.write(`files that differ inside ${diff.file}:\n${diff.lines.map((l) => `  ${l}`).join("\n") || "  (none listed)"}\n`);
    }
  }
  if (result.kept !== null) context.stdout.write(`kept the rebuild in ${result.kept}\n`);
  return comparison.identical ? 0 : 1;
};
