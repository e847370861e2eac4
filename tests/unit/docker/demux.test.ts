// Docker's multiplexed stream format, split without copying: frames cut anywhere, several per chunk, a TTY stream.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { FrameSplitter, demuxBuffer, demuxStream } from "../../../orchestrator/docker/demux.js";
import type { FrameStream } from "../../../orchestrator/docker/demux.js";
import { lineTail } from "../../../orchestrator/build/line-tail.js";

function frame(stream: FrameStream, payload: string | Buffer): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Feeds `bytes` cut at `cuts` and returns what came out, joined per stream, with the number of pieces. */
function split(bytes: Buffer, cuts: readonly number[]): { out: string; err: string; pieces: number } {
  let out = "";
  let err = "";
  let pieces = 0;
  const splitter = new FrameSplitter((stream, payload) => {
    pieces += 1;
    if (stream === 2) err += payload.toString("latin1");
    else out += payload.toString("latin1");
  });
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    splitter.push(bytes.subarray(at, cut));
    at = cut;
  }
  return { out, err, pieces };
}

describe("FrameSplitter", () => {
  const stream = Buffer.concat([frame(1, "hello "), frame(2, "warning\n"), frame(0, ""), frame(1, "world"), frame(2, "!")]);

  it("splits whole frames that arrive in one chunk, empty frames included", () => {
    expect(split(stream, [])).toEqual({ out: "hello world", err: "warning\n!", pieces: 4 });
  });

  it("gives the same streams for every way of cutting the bytes into two or three chunks", () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b += 3) {
        const { out, err } = split(stream, [a, b]);
        expect({ out, err, a, b }).toEqual({ out: "hello world", err: "warning\n!", a, b });
      }
    }
  });

  it("hands payload on as views of the chunk it came in, not copies", () => {
    const chunk = frame(1, "abc");
    let seen: Buffer | undefined;
    new FrameSplitter((_stream, payload) => (seen = payload)).push(chunk);
    expect(seen?.buffer).toBe(chunk.buffer);
    expect(seen?.byteOffset).toBe(chunk.byteOffset + 8);
  });

  it("passes everything on as stdout from a header with an unknown stream type (a TTY stream)", () => {
    const tty = Buffer.from("root@levitate:~# ls\nbin\n");
    expect(split(tty, [3, 11])).toEqual({ out: tty.toString("latin1"), err: "", pieces: 3 });
  });

  it("keeps large frames whole across many chunks", () => {
    const big = Buffer.alloc(200_000, 7);
    const bytes = Buffer.concat([frame(1, big), frame(2, "done")]);
    const cuts = Array.from({ length: 30 }, (_, i) => (i + 1) * 6_553);
    const { out, err } = split(bytes, cuts);
    expect(out.length).toBe(200_000);
    expect(Buffer.from(out, "latin1").equals(big)).toBe(true);
    expect(err).toBe("done");
  });
});

describe("demuxStream", () => {
  it("writes stdout and stderr frames of a stream to their two writables", async () => {
    const source = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    demuxStream(source, stdout, stderr);
    source.write(frame(1, "o1").subarray(0, 5));
    source.write(Buffer.concat([frame(1, "o1").subarray(5), frame(2, "e1"), frame(1, "o2")]));
    source.end();
    await new Promise((resolve) => source.on("end", resolve));
    stdout.end();
    stderr.end();
    expect((await stdout.toArray()).join("")).toBe("o1o2");
    expect((await stderr.toArray()).join("")).toBe("e1");
  });
});

describe("lineTail", () => {
  it("joins a character cut between two chunks instead of replacing it", () => {
    const lines: string[] = [];
    const tail = lineTail(5, (line) => lines.push(line));
    const text = Buffer.from("gcc: ‘main’ is fine\nnext\n");
    tail.push(text.subarray(0, 6));
    tail.push(text.subarray(6));
    expect(lines).toEqual(["gcc: ‘main’ is fine", "next"]);
    expect(tail.lines()).toEqual(lines);
  });
});

describe("demuxBuffer", () => {
  it("joins the payload of a whole log, stdout and stderr frames in order", () => {
    const log = Buffer.concat([frame(1, "a"), frame(2, "b"), frame(1, ""), frame(1, "c")]);
    expect(demuxBuffer(log).toString()).toBe("abc");
  });
});
