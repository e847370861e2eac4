// A tiny BusyBox-ash look-alike on a fake serial line, so the console driver is tested without QEMU.
import { PassThrough } from "node:stream";

export interface FakeShellOptions {
  /** Printed before each prompt is shown; BusyBox ash adds a cursor-position query after "# ". */
  readonly prompt?: string;
  /** Output is cut into pieces of at most this many bytes (1 = byte by byte). */
  readonly maxChunk?: number;
  /** Printed once at "boot" before anything else. */
  readonly banner?: string;
  /** Whether the shell answers at all before `ready()` is called (simulates a slow boot). */
  readonly startReady?: boolean;
  /** Seed of the chunk sizes: the same seed cuts the output the same way, so a failure can be replayed. */
  readonly seed?: number;
}

/** mulberry32: a small seeded generator, so chunking is random-looking but repeatable. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Token = { readonly t: "word"; readonly v: string } | { readonly t: "op"; readonly v: string };
type Stmt = { readonly kind: "cmd"; readonly words: readonly string[] } | { readonly kind: "group"; readonly body: readonly Stmt[] };

class Exit {
  constructor(readonly code: number) {}
}

export class FakeShell {
  /** The console's input (what the driver writes). */
  readonly input = new PassThrough();
  /** The console's output (what the driver reads). */
  readonly output = new PassThrough();
  /** Every complete line the shell received. */
  readonly received: string[] = [];
  private line = "";
  private script = "";
  private status = 0;
  private ready: boolean;
  private busy: Promise<void> = Promise.resolve();
  private interrupted = false;
  private ended = false;
  private readonly prompt: string;
  private readonly maxChunk: number;
  private readonly random: () => number;

  constructor(options: FakeShellOptions = {}) {
    this.prompt = options.prompt ?? "~ # \x1b[6n";
    this.maxChunk = options.maxChunk ?? 7;
    this.random = seededRandom(options.seed ?? 1);
    this.ready = options.startReady ?? true;
    if (options.banner !== undefined) this.print(options.banner);
    this.input.on("data", (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) this.key(ch);
    });
  }

  /** The shell starts answering (boot finished). */
  start(): void {
    this.ready = true;
    this.print(this.prompt);
  }

  /** Simulates QEMU exiting: the console output ends. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.output.end();
  }

  /** Raw text, with LF turned into CRLF as a tty does, cut into small chunks. */
  print(text: string): void {
    if (this.ended) return;
    const data = Buffer.from(text.replace(/\n/g, "\r\n"));
    for (let i = 0; i < data.length; ) {
      const size = 1 + Math.floor(this.random() * this.maxChunk);
      this.output.write(data.subarray(i, i + size));
      i += size;
    }
  }

  private key(ch: string): void {
    if (!this.ready) return;
    if (ch === "\x03") {
      this.interrupted = true;
      this.print("^C\n");
      this.line = "";
      this.script = "";
      this.busy = this.busy.then(() => this.print(this.prompt));
      return;
    }
    this.print(ch);
    if (ch !== "\n") {
      this.line += ch;
      return;
    }
    this.received.push(this.line);
    this.script += `${this.line}\n`;
    this.line = "";
    if (depth(this.script) > 0) {
      this.print("> ");
      return;
    }
    const script = this.script;
    this.script = "";
    this.busy = this.busy.then(() => this.runScript(script));
  }

  private async runScript(script: string): Promise<void> {
    this.interrupted = false;
    try {
      await this.runList(parse(tokenize(script)));
    } catch (error) {
      if (!(error instanceof Exit)) throw error;
      this.status = error.code;
      this.print("\nBusyBox respawned the shell\n");
    }
    if (!this.interrupted) this.print(this.prompt);
  }

  private async runList(list: readonly Stmt[]): Promise<void> {
    for (const stmt of list) {
      if (this.interrupted || this.ended) return;
      if (stmt.kind === "group") {
        try {
          await this.runList(stmt.body);
        } catch (error) {
          if (!(error instanceof Exit)) throw error;
          this.status = error.code;
        }
      } else {
        this.status = await this.command(stmt.words.map((w) => w.replaceAll("$?", String(this.status))));
      }
    }
  }

  private async command(words: readonly string[]): Promise<number> {
    const [name, ...args] = words;
    switch (name) {
      case undefined:
        return this.status;
      case "printf":
        this.print(printf(args[0] ?? "", args.slice(1)));
        return 0;
      case "echo":
        this.print(`${args.join(" ")}\n`);
        return 0;
      case "true":
        return 0;
      case "false":
        return 1;
      case "exit":
        throw new Exit(Number(args[0] ?? this.status));
      case "dmesg":
        return 0;
      case "uname":
        this.print("6.1.0-fake\n");
        return 0;
      case "cat":
        if (args[0] === "/proc/1/comm") {
          this.print("init\n");
          return 0;
        }
        this.print(`cat: can't open '${args[0]}': No such file or directory\n`);
        return 1;
      case "seq":
        this.print(Array.from({ length: Number(args[0]) }, (_, i) => `${i + 1}\n`).join(""));
        return 0;
      case "sleep":
        await new Promise((resolve) => setTimeout(resolve, Number(args[0]) * 1000));
        return this.interrupted ? 130 : 0;
      case "crash":
        // The guest dies mid-command (a kernel panic with panic=-1): output ends at once.
        this.print("Kernel panic - not syncing\n");
        this.end();
        return 0;
      case "poweroff":
        this.print("The system is going down NOW!\nreboot: Power down\n");
        setTimeout(() => this.end(), 20);
        return 0;
      default:
        this.print(`sh: ${name}: not found\n`);
        return 127;
    }
  }
}

function depth(script: string): number {
  let open = 0;
  for (const token of tokenize(script)) {
    if (token.t === "op" && token.v === "(") open += 1;
    if (token.t === "op" && token.v === ")") open -= 1;
  }
  return open;
}

function tokenize(script: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < script.length) {
    const c = script[i]!;
    if (c === " " || c === "\t") i += 1;
    else if (";\n()<".includes(c)) {
      tokens.push({ t: "op", v: c });
      i += 1;
    } else {
      let word = "";
      while (i < script.length && !" \t;\n()<".includes(script[i]!)) {
        const q = script[i]!;
        if (q === "'" || q === '"') {
          const close = script.indexOf(q, i + 1);
          word += script.slice(i + 1, close < 0 ? undefined : close);
          i = close < 0 ? script.length : close + 1;
        } else {
          word += q;
          i += 1;
        }
      }
      tokens.push({ t: "word", v: word });
    }
  }
  return tokens;
}

function parse(tokens: Token[]): Stmt[] {
  let pos = 0;
  const list = (): Stmt[] => {
    const out: Stmt[] = [];
    let words: string[] = [];
    const flush = () => {
      if (words.length > 0) out.push({ kind: "cmd", words });
      words = [];
    };
    while (pos < tokens.length) {
      const token = tokens[pos++]!;
      if (token.t === "word") words.push(token.v);
      else if (token.v === "(") out.push({ kind: "group", body: list() });
      else if (token.v === ")") break;
      else if (token.v === "<") pos += 1; // input redirection: the fake has no stdin anyway
      else flush();
    }
    flush();
    return out;
  };
  return list();
}

function printf(format: string, args: readonly string[]): string {
  let next = 0;
  return format
    .replace(/%[sd]/g, (spec) => {
      const arg = args[next++] ?? "";
      return spec === "%d" ? String(Number(arg) || 0) : arg;
    })
    .replace(/\\n/g, "\n")
    .replace(/\\\\/g, "\\");
}
