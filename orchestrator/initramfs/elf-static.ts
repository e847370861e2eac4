// LevitateOS promises static binaries only: this tells, from an ELF file's bytes, whether it needs a loader or libraries.

const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NEEDED = 1n;

export function isElf(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}

/**
 * Why this ELF file is not statically linked ("PT_INTERP /lib/ld-musl-x86_64.so.1",
 * "DT_NEEDED entries: 2"), or null when it is static (static-pie included: a PT_DYNAMIC
 * without DT_NEEDED needs nothing at run time). Only 64-bit little-endian files are read.
 */
export function dynamicLinkReason(data: Uint8Array): string | null {
  if (!isElf(data)) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data[4] !== 2 || data[5] !== 1) return `not a 64-bit little-endian ELF file (class ${data[4]}, data ${data[5]})`;
  const phoff = Number(view.getBigUint64(0x20, true));
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);
  const reasons: string[] = [];
  for (let i = 0; i < phnum; i += 1) {
    const at = phoff + i * phentsize;
    if (at + 0x38 > data.length) return "truncated program header table";
    const type = view.getUint32(at, true);
    const offset = Number(view.getBigUint64(at + 0x08, true));
    const size = Number(view.getBigUint64(at + 0x20, true));
    if (type === PT_INTERP) {
      const path = Buffer.from(data.subarray(offset, offset + size)).toString("latin1").replace(/\0.*$/s, "");
      reasons.push(`PT_INTERP ${path}`);
    } else if (type === PT_DYNAMIC) {
      let needed = 0;
      for (let d = offset; d + 16 <= Math.min(offset + size, data.length); d += 16) {
        const tag = view.getBigInt64(d, true);
        if (tag === 0n) break;
        if (tag === DT_NEEDED) needed += 1;
      }
      if (needed > 0) reasons.push(`DT_NEEDED entries: ${needed}`);
    }
  }
  return reasons.length === 0 ? null : reasons.join(", ");
}
