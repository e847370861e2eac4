// `vm exec` keeps its arguments as given (like `docker exec`): each one is quoted for the guest's POSIX shell.
import { UserError } from "../errors/errors.js";

/** One argument as a single POSIX shell word: 'it'\''s' (single quotes keep everything but ' itself). */
export function quoteArg(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command line the guest shell runs for `argv`. Control characters other than newline are
 * refused: the serial console's line editor would act on them (Tab completes, Ctrl-C interrupts).
 */
export function guestCommandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new UserError("vm exec: expected a command after --, e.g. vm exec NAME -- uname -r");
  argv.forEach((arg, index) => {
    const bad = /[\u0000-\u0009\u000b-\u001f\u007f]/.exec(arg);
    if (bad !== null) {
      const code = bad[0].charCodeAt(0).toString(16).padStart(2, "0");
      throw new UserError(
        `vm exec: argument ${index + 1} contains the control character 0x${code}, which the guest's serial console would act on; expected printable text (newlines are fine)`,
      );
    }
  });
  return argv.map(quoteArg).join(" ");
}

/**
 * A hint for the likeliest mistake with argv semantics: one argument holding a whole shell line
 * (`vm exec NAME -- 'uname -r; echo hi'`) runs a program of that name, and the guest's shell says
 * "not found" (exit 127). Null when that is not what happened.
 */
export function shellLineHint(argv: readonly string[], exitCode: number, vmName: string): string | null {
  const [only] = argv;
  if (exitCode !== 127 || argv.length !== 1 || only === undefined || !/\s/.test(only.trim())) return null;
  return `hint: the one argument ${JSON.stringify(only)} was run as a program of that name (arguments are kept as given, like docker exec); for a shell line: levitate-docker vm exec ${vmName} -- sh -c ${quoteArg(only)}`;
}
