#!/usr/bin/env node
// Entry point: hands the arguments to the compiled CLI, which owns the exit code.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
