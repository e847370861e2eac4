// The bench's command line, checked before anything is built: a cold run takes half an hour, so an unknown word must not start one.
import { parseArgs } from "node:util";
import { UserError } from "../errors/errors.js";

export const BENCH_USAGE = `usage: npm run bench -- [options]

Builds a throwaway copy of the project from cold caches (its own cache directory and volumes,
removed at the end, also when interrupted), then measures: the cold build and each stage against
plain docker commands, no-op and edit -> ISO builds, a fresh machine from a registry cache, a
kernel fragment change, the time to shell of both flavours, and the sizes. About 25 minutes on a
2-core machine; --warm takes about 4.

options:
      --warm              no cold builds: use the shared cache and volumes (what a developer's
                          machine has); each container stage is forced once instead
      --cold-kernel SECONDS
                          with --warm: the cold kernel time from an earlier cold run, for the
                          fragment-change ratio
      --parallel N        without --warm: stages the cold build runs at once (default: the
                          config's build.parallel); 1 gives the tool's per-stage overhead
      --runs N            runs of each cheap figure (no-op, edit -> ISO; default 5)
      --boot-runs N       boots of each flavour (default 3)
      --minimal           the minimal flavour's figures instead of OpenRC's
  -h, --help              show this help
`;

export interface BenchArgs {
  readonly help: boolean;
  readonly minimal: boolean;
  readonly warm: boolean;
  readonly runs: number;
  readonly bootRuns: number;
  /** The cold kernel's time in ms from an earlier run (--warm only), or null. */
  readonly coldKernelMs: number | null;
  /** Stages at once in the cold build, or null for the config's build.parallel. */
  readonly parallel: number | null;
}

function wholeNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new UserError(`${flag} wants a whole number (1 or more), got ${JSON.stringify(value)}`, { details: ["npm run bench -- --help lists the options"] });
  }
  return number;
}

/** Parses the bench's arguments; throws UserError naming the option and what it wanted. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean", short: "h" },
        minimal: { type: "boolean" },
        warm: { type: "boolean" },
        runs: { type: "string" },
        "boot-runs": { type: "string" },
        "cold-kernel": { type: "string" },
        parallel: { type: "string" },
      },
    }));
  } catch (error) {
    throw new UserError((error as Error).message, { details: ["npm run bench -- --help lists the options"] });
  }
  const help = values.help === true;
  const warm = values.warm === true;
  const coldKernel = values["cold-kernel"];
  if (!help && coldKernel !== undefined && !warm) {
    throw new UserError("--cold-kernel goes with --warm (a cold run measures the kernel itself)");
  }
  if (!help && values.parallel !== undefined && warm) {
    throw new UserError("--parallel is for the cold build, which --warm skips");
  }
  let coldKernelMs: number | null = null;
  if (coldKernel !== undefined) {
    const seconds = Number(coldKernel);
    if (coldKernel.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
      throw new UserError(`--cold-kernel wants the cold kernel's time in seconds (e.g. 430), got ${JSON.stringify(coldKernel)}`);
    }
    coldKernelMs = Math.round(seconds * 1000);
  }
  return {
    help,
    minimal: values.minimal === true,
    warm,
    runs: wholeNumber("--runs", values.runs, 5),
    bootRuns: wholeNumber("--boot-runs", values["boot-runs"], 3),
    coldKernelMs,
    parallel: values.parallel === undefined ? null : wholeNumber("--parallel", values.parallel, 1),
  };
}
