// Output chunks cut into lines (across chunk boundaries, a character cut between chunks included), each passed on, the last few kept for an error message.
import { StringDecoder } from "node:string_decoder";

export interface LineTail {
  push(chunk: Buffer): void;
  /** The last lines seen, oldest first. */
  lines(): string[];
}

export function lineTail(keep: number, onLine: (line: string) => void): LineTail {
  let rest = "";
  const decoder = new StringDecoder("utf8");
  const tail: string[] = [];
  return {
    push(chunk) {
      const text = rest + decoder.write(chunk);
      const lines = text.split(/\r?\n/);
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > keep) tail.shift();
        onLine(line);
      }
    },
    lines: () => [...tail],
  };
}
