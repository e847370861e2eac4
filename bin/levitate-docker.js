#!/usr/bin/env node
// Entry point: hands the arguments to the compiled CLI, which owns the exit code.
import { main } from "../dist/cli/main.js";

const code = await main(process.argv.slice(2));
if (code === 130) {
  // Interrupted: the command has cleaned up, but work it dropped (an initramfs compression on
  // zlib's threads) would still hold the process for seconds. Exit once the output is written.
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
} else {
  process.exitCode = code;
}
