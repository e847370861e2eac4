// Packs InputFiles into a tar stream: how files reach containers and build contexts (no bind mounts).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { pack } from "tar-stream";
import type { InputFile } from "./types.js";

/** Entries are written under `prefix` (no leading slash), in the given order, with mtime 0. */
export function packInputs(files: readonly InputFile[], prefix = ""): Readable {
  const archive = pack();
  const base = prefix.replace(/^\/+/, "").replace(/\/+$/, "");
  void (async () => {
    try {
      for (const file of files) {
        const name = base === "" ? file.path : `${base}/${file.path}`;
        if (file.hostPath !== undefined) {
          const info = await stat(file.hostPath);
          const mode = file.mode ?? (info.mode & 0o111 ? 0o755 : 0o644);
          const entry = archive.entry({ name, size: info.size, mode, mtime: new Date(0), uid: 0, gid: 0 });
          await pipeline(createReadStream(file.hostPath), entry);
        } else {
          const data = typeof file.data === "string" ? Buffer.from(file.data) : Buffer.from(file.data ?? new Uint8Array());
          await new Promise<void>((resolve, reject) =>
            archive.entry({ name, size: data.length, mode: file.mode ?? 0o644, mtime: new Date(0), uid: 0, gid: 0 }, data, (err) =>
              err ? reject(err) : resolve(),
            ),
          );
        }
      }
      archive.finalize();
    } catch (error) {
      archive.destroy(error as Error);
    }
  })();
  return Readable.from(archive);
}
