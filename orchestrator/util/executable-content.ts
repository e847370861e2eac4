// Whether bytes are a program by their content (#! script or ELF): image modes and config checks never trust host exec bits.
export function isExecutableContent(data: Uint8Array): boolean {
  const starts = (magic: readonly number[]): boolean => magic.every((byte, index) => data[index] === byte);
  return starts([0x23, 0x21]) || starts([0x7f, 0x45, 0x4c, 0x46]);
}
