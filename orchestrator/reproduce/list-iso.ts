// Lists the files of two ISO images (path -> "size sha256") by extracting them with xorriso in the toolchain container.
import { basename } from "node:path";
import type { Engine } from "../docker/types.js";
import type { Listing } from "./archive-diff.js";

const SCRIPT = `set -eu
for iso in /in/*.iso; do
  name=$(basename "$iso" .iso)
  mkdir -p "/tmp/$name"
  xorriso -osirrox on -indev "$iso" -extract / "/tmp/$name" >/dev/null 2>&1
  echo "=== $name"
  (cd "/tmp/$name" && find . -type f -exec sha256sum {} + | sed 's#  \\./#  #' | sort -k2)
done`;

/** Returns the listings of `recorded` and `rebuilt` (host paths of two ISO files). */
export async function listIsos(engine: Engine, toolchainTag: string, recorded: string, rebuilt: string, signal?: AbortSignal): Promise<[Listing, Listing]> {
  const out: Buffer[] = [];
  const result = await engine.containers.run(
    { image: toolchainTag, cmd: ["sh", "-c", SCRIPT], network: "none", labels: { "levitate-docker.role": "reproduce-diff" } },
    {
      inputs: [{ dir: "/in", files: [{ path: "a-recorded.iso", hostPath: recorded }, { path: "b-rebuilt.iso", hostPath: rebuilt }] }],
      onOutput: (chunk, stream) => {
        if (stream === "stdout") out.push(chunk);
      },
      ...(signal === undefined ? {} : { signal }),
    },
  );
  if (result.exitCode !== 0) throw new Error(`listing the ISOs (${basename(recorded)}, ${basename(rebuilt)}) with xorriso failed with exit ${result.exitCode}`);
  const listings: [Map<string, string>, Map<string, string>] = [new Map(), new Map()];
  let current: Map<string, string> | null = null;
  for (const line of Buffer.concat(out).toString("utf8").split("\n")) {
    if (line === "=== a-recorded") current = listings[0];
    else if (line === "=== b-rebuilt") current = listings[1];
    else {
      const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
      if (match !== null && current !== null) current.set(match[2]!, match[1]!.slice(0, 16));
    }
  }
  return listings;
}
