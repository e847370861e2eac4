// Reads a newc cpio archive back into (name, mode, data) entries: for comparing two initramfs images, and for tests.
export interface CpioEntry {
  readonly name: string;
  readonly mode: number;
  readonly data: Buffer;
}

export function readNewc(archive: Buffer): CpioEntry[] {
  const entries: CpioEntry[] = [];
  let at = 0;
  const pad = (n: number) => (n + 3) & ~3;
  while (at + 110 <= archive.length) {
    const magic = archive.toString("latin1", at, at + 6);
    if (magic !== "070701") throw new Error(`bad cpio magic ${JSON.stringify(magic)} at ${at}`);
    const field = (i: number) => parseInt(archive.toString("latin1", at + 6 + i * 8, at + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = archive.toString("utf8", at + 110, at + 110 + nameSize - 1);
    const dataAt = pad(at + 110 + nameSize);
    if (name === "TRAILER!!!") break;
    entries.push({ name, mode, data: archive.subarray(dataAt, dataAt + size) });
    at = pad(dataAt + size);
  }
  return entries;
}
