// JSON mode for tools: every event, log lines included, as one JSON object per line.
import type { ProgressEvent } from "./progress-state.js";
import type { EventSink } from "./reporter.js";

/** `{"event":"stageFinished","stage":"linux","ok":true,"durationMs":252000,"time":1700000000000}` */
export function createJsonSink(options: { out: NodeJS.WritableStream; now: () => number }): EventSink {
  return {
    handle(event: ProgressEvent): void {
      options.out.write(`${JSON.stringify({ ...event, time: options.now() })}\n`);
    },
    close(): void {},
  };
}
