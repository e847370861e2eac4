// Windows checkouts (git core.autocrlf) turn LF into CRLF: text the guest or a container runs must be refused, not broken.
import { readFile } from "node:fs/promises";
import { UserError } from "../errors/errors.js";

/** git's test for binary content: a NUL byte in the first 8000 bytes. */
export function looksBinary(data: Uint8Array): boolean {
  return data.subarray(0, 8000).includes(0);
}

/** The 1-based line of the first CRLF in a text file; null when there is none or the data is binary. */
export function firstCrlfLine(data: Uint8Array): number | null {
  if (looksBinary(data)) return null;
  const at = Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf("\r\n");
  if (at < 0) return null;
  let line = 1;
  for (let index = 0; index < at; index++) if (data[index] === 0x0a) line++;
  return line;
}

/** How a file with CRLF is described in errors: where, what is wrong, how to fix it. */
export function crlfProblem(file: string, line: number): string {
  return `${file}: expected LF line endings, got CRLF (\\r\\n) at line ${line}`;
}

export const CRLF_HINTS: readonly string[] = [
  "a Windows checkout with core.autocrlf=true converts LF to CRLF; shell scripts and config files then break inside Linux",
  "convert the file (dos2unix FILE), and keep it LF in git with a .gitattributes line such as `* text=auto eol=lf`",
];

/** Throws a UserError naming the file when `data` is text with CRLF line endings. */
export function refuseCrlf(file: string, data: Uint8Array): void {
  const line = firstCrlfLine(data);
  if (line !== null) throw new UserError(crlfProblem(file, line), { details: CRLF_HINTS });
}

/** Reads a file that a container runs (stage script, image recipe), refusing CRLF with an error naming it. */
export async function readLfFile(file: string): Promise<Buffer> {
  const data = await readFile(file);
  refuseCrlf(file, data);
  return data;
}
