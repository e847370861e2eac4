// How `vm exec` wraps a command on the serial console, and the filter that takes that wrapping back out of `vm logs`.
import { randomBytes } from "node:crypto";

/** A fresh tag for one command's markers (LVD + 12 hex digits). */
export function execTag(): string {
  return `LVD${randomBytes(6).toString("hex")}`;
}

/**
 * The line typed for `command`: a begin marker, the command in a subshell with stdin from
 * /dev/null, then an end marker with its exit status. The markers are printed with printf
 * formats, so the echoed command line never contains them.
 */
export function execLine(tag: string, command: string): string {
  return `${typedBefore(tag)}${command}\n${typedAfter(tag)}\n`;
}

/** What the guest prints when the command starts, and the end marker's pattern (exit status in group 1). */
export function execMarkers(tag: string): { readonly begin: string; readonly end: RegExp } {
  return { begin: `${tag}_B\n`, end: new RegExp(`${tag}_E:(\\d+)\n`) };
}

const BEGIN_PRINTF = "printf '%s_B\\n' ";
const END_PRINTF_BEFORE = ") </dev/null; printf '\\n%s_E:%d\\n' ";
const END_PRINTF_AFTER = " $?";
/** What execLine types before the command, and on the line after it. */
const typedBefore = (tag: string): string => `${BEGIN_PRINTF}${tag}; ( `;
const typedAfter = (tag: string): string => `${END_PRINTF_BEFORE}${tag}${END_PRINTF_AFTER}`;
const TAG = "LVD[0-9a-f]{12}";
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/**
 * The echoed first line: what comes before it (the prompt), the tag, then the command's first line.
 * The last such start on the line: before a redraw, the line editor may echo part of it already.
 */
const ECHO_BEGIN = new RegExp(`^(.*)${literal(BEGIN_PRINTF)}(${TAG}); \\( (.*)$`);
/** The echoed last line (after the continuation prompt). */
const ECHO_END = new RegExp(`^(?:> )?${literal(END_PRINTF_BEFORE)}${TAG}${literal(END_PRINTF_AFTER)}$`);
const MARK_BEGIN = new RegExp(`^${TAG}_B$`);
const MARK_END = new RegExp(`^${TAG}_E:\\d+$`);
/** Marker lines run together at the start of a line. */
const MARKS_AT_START = new RegExp(`^(?:${TAG}_B|${TAG}_E:\\d+)+`);

/**
 * Takes `vm exec`'s plumbing out of plain serial text, fed in chunks: each exec shows as the prompt
 * and the command as typed, then its output; the markers, and the blank line the end marker's
 * printf adds, go. The guest's own lines pass unchanged. It works on whole lines (the engine's log
 * releases a line when its newline arrives anyway).
 */
export class ExecPlumbingFilter {
  /** The current line, until its newline arrives. */
  private partial = "";
  /** The echo of a command being typed (prompt and command so far), until the end printf's line. */
  private echo: { prompt: string; tag: string; command: string } | null = null;
  /** A blank line held back: it goes if an end marker follows it. */
  private blank = false;

  push(text: string): string {
    let out = "";
    let rest = this.partial + text;
    for (let newline = rest.indexOf("\n"); newline >= 0; newline = rest.indexOf("\n")) {
      out += this.line(rest.slice(0, newline));
      rest = rest.slice(newline + 1);
    }
    this.partial = rest;
    return out;
  }

  /** The end of the log: what is held goes out (a command whose echo it cut off, as typed). */
  flush(): string {
    const out = (this.blank ? "\n" : "") + (this.echo === null ? "" : `${this.echo.prompt}${this.echo.command}\n`) + this.partial;
    this.blank = false;
    this.echo = null;
    this.partial = "";
    return out;
  }

  /** A complete line, without its newline. */
  private line(line: string): string {
    if (this.echo !== null) {
      if (ECHO_END.test(line)) {
        const { prompt, command } = this.echo;
        this.echo = null;
        return `${prompt}${command}\n`;
      }
      // Before its redraw the line editor may echo the end of the typed text on a line of its own,
      // or (on a busy guest) run the echo's end, the markers and the next exec's echo into one line.
      const after = typedAfter(this.echo.tag);
      if (line !== "" && after.endsWith(line)) return "";
      const end = line.indexOf(after);
      if (end >= 0) {
        const { prompt, command } = this.echo;
        this.echo = null;
        const rest = line.slice(end + after.length).replace(MARKS_AT_START, "");
        return `${prompt}${command}\n${rest === "" ? "" : this.line(rest)}`;
      }
      // It wraps a long line at the terminal's width: a line without the continuation prompt is
      // the same line going on.
      this.echo.command += line.startsWith("> ") ? `\n${line}` : line;
      return "";
    }
    const begin = ECHO_BEGIN.exec(line);
    if (begin !== null) {
      const before = this.releaseBlank();
      this.echo = { prompt: withoutEchoFragment(begin[1]!, `${typedBefore(begin[2]!)}${begin[3]}`), tag: begin[2]!, command: begin[3]! };
      return before;
    }
    if (MARK_BEGIN.test(line)) return this.releaseBlank();
    if (MARK_END.test(line)) {
      this.blank = false;
      return "";
    }
    const before = this.releaseBlank();
    if (line === "") {
      this.blank = true;
      return before;
    }
    return `${before}${line}\n`;
  }

  private releaseBlank(): string {
    if (!this.blank) return "";
    this.blank = false;
    return "\n";
  }
}

/**
 * The prompt before an echoed command, without the start of that command's echo left in front of it
 * when the line editor redrew the line (it returns to the line's start, which plain text cannot show).
 */
function withoutEchoFragment(prompt: string, typed: string): string {
  const at = prompt.lastIndexOf("printf '");
  if (at < 0) return prompt;
  const fragment = prompt.slice(at);
  let same = 0;
  while (same < fragment.length && same < typed.length && fragment[same] === typed[same]) same++;
  return prompt.slice(0, at) + fragment.slice(same);
}
