// Turns raw serial bytes into plain text (no CRs, no terminal escapes) even when a sequence is split across chunks.
import { StringDecoder } from "node:string_decoder";

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), charset designation (ESC ( B), other two-byte escapes (ESC c, ESC 7).
const SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()*+][0-~]|[0-~])/g;
const COMPLETE_AT_START = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()*+][0-~]|[0-Z\\^-~])/;
// Control characters other than tab and newline; CR goes too (serial lines end in CRLF).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** Removes escape sequences, CRs and other control characters from complete text. */
export function plainText(text: string): string {
  return text.replace(SEQUENCE, "").replace(CONTROL, "");
}

/** Incremental version of plainText: feed chunks, get the plain text that is safe to emit so far. */
export class ConsoleTextDecoder {
  private readonly decoder = new StringDecoder("utf8");
  private held = "";

  push(chunk: Buffer | string): string {
    let text = this.held + (typeof chunk === "string" ? chunk : this.decoder.write(chunk));
    this.held = "";
    const lastEscape = text.lastIndexOf("\x1b");
    if (lastEscape >= 0) {
      const tail = text.slice(lastEscape);
      // An escape sequence cut off by the chunk boundary: keep it until the rest arrives (bounded).
      if (!COMPLETE_AT_START.test(tail) && tail.length < 64) {
        this.held = tail;
        text = text.slice(0, lastEscape);
      }
    }
    return plainText(text);
  }

  /** Whatever is still held back (an unfinished escape), as plain text. */
  flush(): string {
    const rest = this.held + this.decoder.end();
    this.held = "";
    return plainText(rest);
  }
}
