// The bench's command line: every option checked before anything is built (a cold run is half an hour).
import { describe, expect, it } from "vitest";
import { BENCH_USAGE, parseBenchArgs } from "../../../orchestrator/bench/args.js";
import { UserError } from "../../../orchestrator/errors/errors.js";

const fails = (argv: string[]) => {
  try {
    parseBenchArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).message;
  }
  throw new Error(`parseBenchArgs(${JSON.stringify(argv)}) did not fail`);
};

describe("bench arguments", () => {
  it("defaults to a cold OpenRC run, 5 runs of each cheap figure and 3 boots", () => {
    expect(parseBenchArgs([])).toEqual({ help: false, minimal: false, warm: false, runs: 5, bootRuns: 3, coldKernelMs: null, parallel: null });
  });

  it("reads every option it documents", () => {
    expect(parseBenchArgs(["--warm", "--cold-kernel", "430.5", "--runs", "7", "--boot-runs", "2", "--minimal"])).toEqual({
      help: false, minimal: true, warm: true, runs: 7, bootRuns: 2, coldKernelMs: 430_500, parallel: null,
    });
    expect(parseBenchArgs(["--parallel", "1"]).parallel).toBe(1);
    expect(parseBenchArgs(["--runs=3"]).runs).toBe(3);
    for (const option of ["--warm", "--cold-kernel", "--parallel", "--runs", "--boot-runs", "--minimal", "--help"]) {
      expect(BENCH_USAGE).toContain(option);
    }
  });

  it("answers --help and -h without starting anything, whatever else is given", () => {
    expect(parseBenchArgs(["--help"]).help).toBe(true);
    expect(parseBenchArgs(["-h", "--warm", "--parallel", "2"]).help).toBe(true);
  });

  it("refuses an unknown option or a stray word instead of starting a cold run", () => {
    expect(fails(["--hlep"])).toMatch(/^Unknown option '--hlep'/);
    expect(fails(["warm"])).toMatch(/'warm'/);
  });

  it("wants whole numbers of 1 or more for the counts", () => {
    expect(fails(["--runs", "0"])).toBe('--runs wants a whole number (1 or more), got "0"');
    expect(fails(["--boot-runs", "2.5"])).toBe('--boot-runs wants a whole number (1 or more), got "2.5"');
    expect(fails(["--parallel", "two"])).toBe('--parallel wants a whole number (1 or more), got "two"');
    expect(fails(["--runs", ""])).toBe('--runs wants a whole number (1 or more), got ""');
    expect(fails(["--runs"])).toBe("Option '--runs <value>' argument missing");
  });

  it("takes the cold kernel's seconds with --warm only, and --parallel without it", () => {
    expect(fails(["--cold-kernel", "430"])).toBe("--cold-kernel goes with --warm (a cold run measures the kernel itself)");
    expect(fails(["--warm", "--cold-kernel=-5"])).toMatch(/--cold-kernel wants the cold kernel's time in seconds .* got "-5"/);
    expect(fails(["--warm", "--cold-kernel", "0"])).toMatch(/got "0"/);
    expect(fails(["--warm", "--cold-kernel", "soon"])).toMatch(/got "soon"/);
    expect(fails(["--warm", "--parallel", "2"])).toBe("--parallel is for the cold build, which --warm skips");
  });
});
