// vm logs without vm exec's plumbing: the echoed wrapper shows as the command typed, the markers go, the guest's own text stays.
import { describe, expect, it } from "vitest";
import { ExecPlumbingFilter, execLine } from "../../../orchestrator/vm/exec-plumbing.js";

const PROMPT = "root@levitate:~# ";

/** What the serial console shows for one `vm exec`: the typed line echoed (its second line after PS2), the markers, the output. */
function execOnConsole(tag: string, command: string, output: string, status: number): string {
  const [first, second] = execLine(tag, command).split("\n");
  // The end marker's printf starts with a newline of its own.
  return `${PROMPT}${first}\n> ${second}\n${tag}_B\n${output}\n${tag}_E:${status}\n`;
}

const BOOT = "[    0.000000] Linux version 6.12.117\n\nWelcome to LevitateOS\n\n";
const transcript =
  BOOT +
  execOnConsole("LVD0123456789ab", "dmesg -n 1 2>/dev/null", "", 0) +
  execOnConsole("LVDba9876543210", "'uname' '-r'", "6.12.117\n", 0) +
  execOnConsole("LVDaaaaaaaaaaaa", "'sh' '-c' 'echo one; echo; echo three; echo'", "one\n\nthree\n\n", 0) +
  execOnConsole("LVDbbbbbbbbbbbb", "'nosuchcmd'", "-/bin/sh: nosuchcmd: not found\n", 127) +
  execOnConsole("LVDcccccccccccc", "'printf' 'no newline'", "no newline", 0) +
  PROMPT;

const expected =
  BOOT +
  `${PROMPT}dmesg -n 1 2>/dev/null\n` +
  `${PROMPT}'uname' '-r'\n6.12.117\n` +
  `${PROMPT}'sh' '-c' 'echo one; echo; echo three; echo'\none\n\nthree\n\n` +
  `${PROMPT}'nosuchcmd'\n-/bin/sh: nosuchcmd: not found\n` +
  `${PROMPT}'printf' 'no newline'\nno newline\n` +
  PROMPT;

function filterIn(chunks: readonly string[]): string {
  const filter = new ExecPlumbingFilter();
  return chunks.map((chunk) => filter.push(chunk)).join("") + filter.flush();
}

describe("ExecPlumbingFilter", () => {
  it("the transcript under test has the plumbing a real exec leaves", () => {
    expect(transcript).toContain("LVDba9876543210_B\n6.12.117\n\nLVDba9876543210_E:0\n");
    expect(transcript).toContain(`${PROMPT}printf '%s_B\\n' LVDba9876543210; ( 'uname' '-r'\n> ) </dev/null; printf '\\n%s_E:%d\\n' LVDba9876543210 $?\n`);
    expect(transcript).toContain("no newline\nLVDcccccccccccc_E:0\n");
  });

  it("shows each exec as its command at the prompt, then its output, and nothing of the markers", () => {
    expect(filterIn([transcript])).toBe(expected);
  });

  it("gives the same text however the log is cut into chunks", () => {
    for (const size of [1, 2, 3, 5, 7, 16, 64]) {
      const chunks: string[] = [];
      for (let i = 0; i < transcript.length; i += size) chunks.push(transcript.slice(i, i + size));
      expect(filterIn(chunks), `chunks of ${size}`).toBe(expected);
    }
  });

  it("shows a command the line editor redrew and wrapped at 80 columns as one line (as a real guest echoed it)", () => {
    // From a real `vm logs --raw` (CRs removed): ash began echoing, redrew the line from its start
    // with the prompt, and wrapped it at the 80th column.
    const tag = "LVD160a55463a4a";
    const raw =
      `${PROMPT}\n` +
      `printf '%s_B${PROMPT}printf '%s_B\\n' ${tag}; ( 'sh' '-c' 'uname -r; echo; e\n` +
      "cho hi'\n" +
      `> ) </dev/null; printf '\\n%s_E:%d\\n' ${tag} $?\n` +
      `${tag}_B\n6.12.117\n\nhi\n\n${tag}_E:0\n`;
    expect(filterIn([raw])).toBe(`${PROMPT}\n${PROMPT}'sh' '-c' 'uname -r; echo; echo hi'\n6.12.117\n\nhi\n`);
  });

  it("drops the parts of the typed text the line editor echoed before redrawing the line", () => {
    // From a real `vm logs --raw` (CRs removed): the first line's start echoed, then the whole line
    // after the prompt; and the end of the second typed line on a line of its own.
    const a = "LVDdc1484382327";
    const b = "LVDdbbc9fe8f545";
    const raw =
      `printf '%s_B\\n' ${a}; ( 'sh' '-c' 'for i in 1 ${PROMPT}printf '%s_B\\n' ${a}; ( 'sh' '-c' 'for i in 1 2; do \n` +
      "echo line $i; done'\n" +
      `> ) </dev/null; printf '\\n%s_E:%d\\n' ${a} $?\n` +
      `${a}_B\nline 1\nline 2\n\n${a}_E:0\n` +
      `${PROMPT}printf '%s_B\\n' ${b}; ( dmesg -n 1 2>/dev/null\n` +
      `n' ${b} $?\n` +
      `> ) </dev/null; printf '\\n%s_E:%d\\n' ${b} $?\n` +
      `${b}_B\n\n${b}_E:0\n`;
    expect(filterIn([raw])).toBe(`${PROMPT}'sh' '-c' 'for i in 1 2; do echo line $i; done'\nline 1\nline 2\n${PROMPT}dmesg -n 1 2>/dev/null\n`);
  });

  it("takes apart a line where a busy guest ran an echo's end, the markers and the next exec's echo together", () => {
    // From a real `vm logs` of two VMs booted at once (the integration test of named VMs).
    const a = "LVD457915c7c9d9";
    const b = "LVD0f73795081e6";
    const raw =
      `${PROMPT}printf '%s_B\\n' ${a}; ( dmesg -n 1 2>/dev/null\n` +
      `intf '\\n> ) </dev/null; printf '\\n%s_E:%d\\n' ${a} $?${a}_B${a}_E:0printf '%s_B\\n' ${b}${PROMPT}printf '%s_B\\n' ${b}; ( echo second\n` +
      `> ) </dev/null; printf '\\n%s_E:%d\\n' ${b} $?\n` +
      `${b}_B\nsecond\n\n${b}_E:0\n${PROMPT}`;
    expect(filterIn([raw])).toBe(`${PROMPT}dmesg -n 1 2>/dev/null\n${PROMPT}echo second\nsecond\n${PROMPT}`);
  });

  it("keeps a command of several lines as typed, with its continuation prompts", () => {
    const tag = "LVDdddddddddddd";
    // The shell echoes each line after the first behind its continuation prompt.
    const typed = execLine(tag, "for i in 1 2\ndo echo $i\ndone").replace(/\n$/, "").split("\n");
    const raw = `${PROMPT}${typed.map((line, i) => (i === 0 ? line : `> ${line}`)).join("\n")}\n${tag}_B\n1\n2\n\n${tag}_E:0\n`;
    expect(raw).toContain("> do echo $i\n> done\n> ) </dev/null");
    expect(filterIn([raw])).toBe(`${PROMPT}for i in 1 2\n> do echo $i\n> done\n1\n2\n`);
  });

  it("lets the guest's own lines through, marker look-alikes and blank lines included; the end of the log as it is", () => {
    const text = "LVD0123 is a guest line\n\n\nprintf '%s_B\\n' typed by hand\nLVD0123456789ab_B but more\n" + PROMPT;
    expect(filterIn([text])).toBe(text);
  });

  it("a log that ends in the middle of an exec's echo shows the command as typed", () => {
    const tag = "LVDeeeeeeeeeeee";
    const [first] = execLine(tag, "'sleep' '100'").split("\n");
    expect(filterIn([`${PROMPT}${first}\n`])).toBe(`${PROMPT}'sleep' '100'\n`);
  });
});
