// `levitate-docker build [STAGE...]`: flags -> BuildOptions -> build(); prints the plan or the result.
import { relative } from "node:path";
import { build, planBuild } from "../../build/build.js";
import { UserError } from "../../errors/errors.js";
import { formatPlan } from "../../plan/plan.js";
import type { StageName } from "../../stages/stage.js";
import { STAGE_TABLE, isStageName, stagesFor } from "../../stages/table.js";
import { createReporter } from "../../progress/reporter.js";
import type { Command } from "../context.js";
import { CONFIG_HELP, CONFIG_OPTIONS, parse, progressMode, selection } from "../options.js";

const HELP = `usage: levitate-docker build [STAGE...] [options]

Builds out/levitate.iso (with out/bzImage, out/initramfs.cpio.gz, out/metadata.json).
Stages (default: all; a stage brings the ones it needs):
${STAGE_TABLE.map((s) => `  ${s.name.padEnd(10)} ${s.summary}${s.flavours === undefined ? "" : ` (${s.flavours.join(", ")} flavour only)`}`).join("\n")}
A stage whose inputs have a finished artifact is skipped without starting a container.

options:
${CONFIG_HELP}
  -n, --dry-run       print the plan (what runs, what is up to date) without touching Docker
      --explain       say which input changed for every stage that runs
  -f, --force         run the named stages (or all) even if up to date
  -j, --jobs N        parallel make jobs inside stages (default: CPU count)
      --parallel N    most stages running at once, each as soon as what it needs is built
                      (default: build.parallel in the config, 2; 1: one after another)
      --cache-from REPO
                      before running a stage, pull its artifact from this OCI repository if
                      it has one (env: LEVITATE_CACHE_FROM; config: cache.registry; none: off)
      --cache-to REPO
                      after the build, push every artifact the repository lacks, and the
                      tool images (env: LEVITATE_CACHE_TO; config: cache.push: true)
      --no-wait       fail at once when another build of this project holds a stage's build tree
                      (default: wait for it, saying for whom)
      --json          progress as JSON lines
      --plain         progress as plain lines (default when not a terminal, or CI=true)
`;

export const buildCommand: Command = async (args, context) => {
  const { values, positionals } = parse(
    "build",
    args,
    {
      ...CONFIG_OPTIONS,
      "dry-run": { type: "boolean", short: "n" },
      explain: { type: "boolean" },
      force: { type: "boolean", short: "f" },
      jobs: { type: "string", short: "j" },
      parallel: { type: "string" },
      "cache-from": { type: "string" },
      "cache-to": { type: "string" },
      "no-wait": { type: "boolean" },
      json: { type: "boolean" },
      plain: { type: "boolean" },
    },
    true,
  );
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  const chosen = selection(values, context);
  const valid = stagesFor(chosen.flavour).map((s) => s.name);
  for (const p of positionals) {
    if (!isStageName(p) || !valid.includes(p)) {
      throw new UserError(`build: unknown stage '${p}'`, { details: [`stages${chosen.flavour === "minimal" ? " (--minimal)" : ""}: ${valid.join(", ")}`] });
    }
  }
  const only = positionals.length > 0 ? (positionals as StageName[]) : undefined;
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new UserError(`build: --jobs expects a positive integer, got '${values.jobs}'`);
  }
  let parallel: number | undefined;
  if (values.parallel !== undefined) {
    parallel = Number(values.parallel);
    if (!Number.isInteger(parallel) || parallel < 1 || parallel > 8) {
      throw new UserError(`build: --parallel expects a whole number of stages from 1 to 8, got '${values.parallel}'`);
    }
  }
  if (values["dry-run"]) {
    const { plan } = await planBuild(chosen, { ...(only ? { only } : {}), ...(values.force ? { force: true } : {}) });
    context.stdout.write(formatPlan(plan, { explain: values.explain === true || values["dry-run"] === true }));
    return 0;
  }
  const mode = progressMode(values, context.stderr, context.env);
  const reporter = createReporter({ mode, out: mode === "json" ? context.stdout : context.stderr });
  const started = Date.now();
  try {
    const result = await build({
      ...chosen,
      ...(only ? { only } : {}),
      ...(values.force ? { force: true } : {}),
      ...(values.explain ? { explain: true } : {}),
      ...(jobs === undefined ? {} : { jobs }),
      ...(parallel === undefined ? {} : { parallel }),
      cache: {
        ...(values["cache-from"] === undefined ? {} : { cacheFrom: values["cache-from"] }),
        ...(values["cache-to"] === undefined ? {} : { cacheTo: values["cache-to"] }),
      },
      ...(values["no-wait"] ? { wait: false } : {}),
      reporter,
      signal: context.signal,
    });
    reporter.close();
    if (mode !== "json") {
      const ran = result.outcomes.filter((o) => o.action === "run").length;
      const pulled = result.outcomes.filter((o) => o.action === "pulled").length;
      const where = result.published ? relative(context.cwd, result.published.iso) || result.published.iso : "artifacts cached";
      const did = [
        ...(ran === 0 ? [] : [`built ${ran} stage${ran === 1 ? "" : "s"}`]),
        ...(pulled === 0 ? [] : [`pulled ${pulled} stage${pulled === 1 ? "" : "s"} from cache`]),
      ];
      context.stderr.write(`${did.length === 0 ? "up to date" : did.join(", ")} in ${((Date.now() - started) / 1000).toFixed(2)}s: ${where}\n`);
    }
    return 0;
  } catch (error) {
    reporter.close();
    throw error;
  }
};
