// A writable that keeps everything written to it, standing in for stderr/stdout in reporter tests.
import { Writable } from "node:stream";

export function collectOutput(): { out: Writable; text: () => string; chunks: string[] } {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { out, text: () => chunks.join(""), chunks };
}
