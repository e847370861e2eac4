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
