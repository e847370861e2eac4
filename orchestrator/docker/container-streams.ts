// A container's console as streams: attach (stdin + live output) and logs (from the start), demultiplexed.
import type Docker from "dockerode";
import { PassThrough } from "node:stream";
import type { Duplex, Readable } from "node:stream";
import { demuxBuffer, demuxStream } from "./demux.js";
import type { AttachedStreams } from "./types.js";

export async function attachStreams(docker: Docker, container: Docker.Container): Promise<AttachedStreams> {
  const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  const output = new PassThrough();
  const info = await container.inspect();
  if (info.Config.Tty) stream.pipe(output);
  else demuxStream(stream, output, output);
  stream.on("end", () => output.end());
  stream.on("close", () => output.end());
  return {
    stdin: stream,
    output,
    close: () => {
      stream.destroy();
      output.end();
    },
  };
}

export async function logStream(docker: Docker, container: Docker.Container, options: { follow: boolean; since?: number }): Promise<Readable> {
  const output = new PassThrough();
  const info = await container.inspect();
  const common = { stdout: true, stderr: true, ...(options.since === undefined ? {} : { since: options.since }) };
  if (options.follow) {
    const stream = await container.logs({ ...common, follow: true });
    // The HTTP response follows the log until it is closed: close it with the stream handed out,
    // or a reader that stops (Ctrl-C on `vm logs -f`) leaves the process waiting on the socket.
    output.on("close", () => (stream as unknown as Readable).destroy());
    if (info.Config.Tty) stream.pipe(output);
    else {
      demuxStream(stream, output, output);
      stream.on("end", () => output.end());
    }
  } else {
    const buffer = (await container.logs({ ...common, follow: false })) as unknown as Buffer;
    output.end(info.Config.Tty ? buffer : demuxBuffer(buffer));
  }
  return output;
}
