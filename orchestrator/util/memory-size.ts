// Memory sizes as the config writes them ("256M", "4G") in bytes.

/** Bytes of a size like "512M" or "4G" (the config's MEMORY format); NaN for anything else. */
export function memorySizeBytes(text: string): number {
  const match = /^([1-9][0-9]*)([MG])$/.exec(text);
  if (match === null) return Number.NaN;
  return Number(match[1]) * (match[2] === "G" ? 1024 ** 3 : 1024 ** 2);
}
