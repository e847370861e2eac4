// Which files differ between two listings of an archive (path -> "mode size sha256" or "-> target").
export type Listing = ReadonlyMap<string, string>;

export function diffListings(recorded: Listing, rebuilt: Listing): string[] {
  const paths = [...new Set([...recorded.keys(), ...rebuilt.keys()])].sort();
  const lines: string[] = [];
  for (const path of paths) {
    const a = recorded.get(path);
    const b = rebuilt.get(path);
    if (a === b) continue;
    if (a === undefined) lines.push(`+ ${path}  (only in the rebuild: ${b})`);
    else if (b === undefined) lines.push(`- ${path}  (only in the recorded build: ${a})`);
    else lines.push(`~ ${path}  recorded ${a}, rebuilt ${b}`);
  }
  return lines;
}
