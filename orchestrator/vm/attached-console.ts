// A VM's serial console over a Docker attach: the driver and the attachment live and end together.
import type { AttachedStreams } from "../docker/types.js";
import { SerialConsole } from "./serial-console.js";
import type { SerialConsoleOptions } from "./serial-console.js";

export class AttachedConsole extends SerialConsole implements AsyncDisposable {
  constructor(private readonly attached: AttachedStreams, options: SerialConsoleOptions = {}) {
    super({ output: attached.output, input: attached.stdin }, options);
  }

  /** Stops reading and detaches; the VM keeps running. */
  close(): void {
    this.dispose();
    this.attached.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
