// Terminal mode: a block of one line per stage redrawn in place; messages scroll above it.
import type { ProgressEvent } from "./progress-state.js";
import { INITIAL_STATE, reduce } from "./progress-state.js";
import { renderFrame } from "./render-frame.js";
import type { EventSink } from "./reporter.js";

/** At most this often (ms) the block is redrawn: about ten times a second. */
export const TTY_REDRAW_MS = 100;

const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
const ERASE_DOWN = "\x1b[J";

export function createTtySink(options: { out: NodeJS.WritableStream; now: () => number; columns?: number }): EventSink {
  const { out, now } = options;
  let state = INITIAL_STATE;
  let drawnLines = 0;
  let dirty = false;
  let timer: NodeJS.Timeout | null = null;
  let cursorHidden = false;
  // If the process dies without close(), still give the user their cursor back.
  const restoreCursor = (): void => {
    if (cursorHidden) out.write(SHOW_CURSOR);
  };

  const columns = (): number => options.columns ?? (out as { columns?: number }).columns ?? 80;

  /** Moves to the top of the drawn block and erases it. */
  const erase = (): string => {
    const up = drawnLines > 0 ? `\r\x1b[${drawnLines}A${ERASE_DOWN}` : "";
    drawnLines = 0;
    return up;
  };

  const draw = (prefix = "", final = false): void => {
    const shown = final ? { ...state, activity: null } : state;
    const lines = renderFrame(shown, now(), columns());
    let text = erase() + prefix;
    if (!cursorHidden && !final && lines.length > 0) {
      text = HIDE_CURSOR + text;
      cursorHidden = true;
      process.once("exit", restoreCursor);
    }
    text += lines.map((line) => `${line}\n`).join("");
    drawnLines = lines.length;
    dirty = false;
    if (text !== "") out.write(text);
  };

  const tick = (): void => {
    if (dirty || state.stages.some((row) => row.state === "running")) draw();
  };

  return {
    handle(event: ProgressEvent): void {
      if (event.event === "info" || event.event === "warn") {
        const label = event.event === "warn" ? "warning: " : "";
        draw(`${label}${event.message}\n`);
        return;
      }
      state = reduce(state, event, now());
      dirty = true;
      if (timer === null) {
        timer = setInterval(tick, TTY_REDRAW_MS);
        timer.unref();
        draw();
      }
    },
    close(): void {
      if (timer !== null) clearInterval(timer);
      timer = null;
      draw("", true);
      if (cursorHidden) {
        out.write(SHOW_CURSOR);
        cursorHidden = false;
        process.removeListener("exit", restoreCursor);
      }
    },
  };
}
