// Packs InputFiles into a tar stream: how files reach containers and build contexts (no bind mounts).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { pack } from "tar-stream";
import type { InputFile } from "./types.js";

/** A tar being written: entries added in order, then finished; `stream` is the archive's bytes. */
export interface TarWriter {
  readonly stream: Readable;
  /** Appends the files' entries (after those of earlier calls; wait for one call before the next). */
  add(files: readonly InputFile[]): Promise<void>;
  /** Writes the end of the archive; `stream` ends once it has been read. */
  finish(): void;
  /** Ends `stream` with this error. */
  fail(error: Error): void;
}

/** Entries are written under `prefix` (no leading slash), with mtime 0. */
export function tarWriter(prefix = ""): TarWriter {
  const archive = pack();
  const base = prefix.replace(/^\/+/, "").replace(/\/+$/, "");
  return {
    stream: Readable.from(archive),
    async add(files) {
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
    },
    finish: () => archive.finalize(),
    fail: (error) => archive.destroy(error),
  };
}

/** Entries are written under `prefix` (no leading slash), in the given order, with mtime 0. */
export function packInputs(files: readonly InputFile[], prefix = ""): Readable {
  const writer = tarWriter(prefix);
  writer.add(files).then(
    () => writer.finish(),
    (error: unknown) => writer.fail(error as Error),
  );
  return writer.stream;
}
