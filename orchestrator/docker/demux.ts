// Docker's multiplexed attach and log streams (no TTY), split into stdout and stderr without copying the payload.
import type { Writable } from "node:stream";

/** Stream types in a frame header: 0 stdin (written out like stdout), 1 stdout, 2 stderr. */
export type FrameStream = 0 | 1 | 2;

/**
 * Frames are an 8-byte header (stream type, 0, 0, 0, payload size as big-endian uint32) and the
 * payload. Payload bytes are handed on as views of the chunks they arrived in, as they arrive (a
 * frame cut across chunks comes out in pieces), so each byte is touched once. A header whose stream
 * type is none of 0-2 means the stream is not multiplexed (a TTY) or lost its framing: from there on
 * everything, that header included, is passed on as stdout.
 */
export class FrameSplitter {
  private readonly header = Buffer.alloc(8);
  private headerBytes = 0;
  private payloadLeft = 0;
  private stream: FrameStream = 1;
  private raw = false;

  constructor(private readonly emit: (stream: FrameStream, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.raw) {
      if (chunk.length > 0) this.emit(1, chunk);
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      if (this.payloadLeft === 0) {
        const take = Math.min(8 - this.headerBytes, chunk.length - offset);
        chunk.copy(this.header, this.headerBytes, offset, offset + take);
        this.headerBytes += take;
        offset += take;
        if (this.headerBytes < 8) return;
        this.headerBytes = 0;
        const type = this.header[0]!;
        if (type > 2) {
          this.raw = true;
          this.emit(1, Buffer.from(this.header));
          if (offset < chunk.length) this.emit(1, chunk.subarray(offset));
          return;
        }
        this.stream = type as FrameStream;
        this.payloadLeft = this.header.readUInt32BE(4);
        continue;
      }
      const take = Math.min(this.payloadLeft, chunk.length - offset);
      this.emit(this.stream, chunk.subarray(offset, offset + take));
      this.payloadLeft -= take;
      offset += take;
    }
  }
}

/** A whole multiplexed buffer (a non-following log) as its payload, both streams in order. */
export function demuxBuffer(buffer: Buffer): Buffer {
  const parts: Buffer[] = [];
  new FrameSplitter((_stream, payload) => parts.push(payload)).push(buffer);
  return Buffer.concat(parts);
}

/** Writes what `source` carries for stdout (and stdin) to `stdout`, for stderr to `stderr`; neither is ended here. */
export function demuxStream(source: NodeJS.ReadableStream, stdout: Writable, stderr: Writable): void {
  const splitter = new FrameSplitter((stream, payload) => (stream === 2 ? stderr : stdout).write(payload));
  source.on("data", (chunk: Buffer) => splitter.push(chunk));
}
