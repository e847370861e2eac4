// A stage invocation as named hashes: exactly what its run receives (files, env, source, values, toolchain), nothing else.
import { hashTree } from "../hash/tree.js";
import { checkTreeFileSize, readTreeDir, unreadable } from "../initramfs/tree-read.js";
import { sha256File } from "../hash/sha256.js";
import { allInOrder } from "../util/concurrency.js";
import type { StageFile, StageInvocation } from "../stages/stage.js";

/**
 * Names read like "file:kernel.fragment", "env:KERNEL_VERSION", "source:linux", "files/etc/motd",
 * "config:hostname", "image:toolchain". The keys of needed stages ("stage:linux") are added by the planner.
 */
export async function keyedInputs(invocation: StageInvocation, toolchainKey: string): Promise<Record<string, string>> {
  const inputs: Record<string, string> = {};
  for (const keyed of await allInOrder(invocation.files.map(keyedFile))) Object.assign(inputs, keyed);
  for (const [name, value] of Object.entries(invocation.env)) inputs[`env:${name}`] = value;
  if (invocation.source !== null) inputs[`source:${invocation.source.name}`] = `${invocation.source.file} ${invocation.source.sha256}`;
  for (const [name, value] of Object.entries(invocation.values)) inputs[`config:${name}`] = value;
  if (invocation.where === "container") inputs["image:toolchain"] = toolchainKey;
  return inputs;
}

async function keyedFile(file: StageFile): Promise<Record<string, string>> {
  if ("tree" in file) {
    // The files tree's own checks: a bad name or an oversized file is a UserError here, before any stage runs.
    const reader = { readDir: readTreeDir, checkFile: checkTreeFileSize, readError: unreadable };
    return hashTree(file.tree, file.role, file.extension === undefined ? reader : { ...reader, extension: file.extension });
  }
  if ("fromStage" in file) return { [`file:${file.role}`]: `${file.path} from ${file.fromStage}/${file.file}` };
  const mode = file.mode === undefined ? "" : ` ${file.mode.toString(8)}`;
  return { [`file:${file.role}`]: `${file.path}${mode} ${await sha256File(file.hostPath)}` };
}
