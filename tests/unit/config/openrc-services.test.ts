// The OpenRC service list must match what the pinned OpenRC tarball installs on Linux (init.d/meson.build).
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { describe, expect, it } from "vitest";
import { OPENRC_DROPPED_SERVICES, OPENRC_LINUX_SERVICES, OPENRC_VERSION } from "../../../orchestrator/config/openrc-services.js";
import { OPENRC_FILE, openrcSkipReason, requireOpenrcTarball } from "../../helpers/openrc-tarball.js";

const skip = openrcSkipReason();

async function readMember(archive: string, name: string): Promise<string> {
  const entries = extract();
  createReadStream(archive).pipe(createGunzip()).pipe(entries);
  let text: string | null = null;
  for await (const entry of entries) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (entry.header.name === name) text = Buffer.concat(chunks).toString("utf8");
  }
  if (text === null) throw new Error(`${archive} has no ${name}`);
  return text;
}

function mesonList(meson: string, variable: string): string[] {
  const match = new RegExp(`^${variable} =\\s*\\[([^\\]]*)\\]`, "m").exec(meson);
  if (match === null) throw new Error(`init.d/meson.build has no list ${variable}`);
  return [...(match[1] ?? "").matchAll(/'([^']+)\.in'/g)].map((item) => item[1] ?? "");
}

describe("OPENRC_LINUX_SERVICES", () => {
  it.skipIf(skip !== null)(`matches init_common + init_Linux of ${OPENRC_FILE}${skip === null ? "" : ` (${skip})`}`, async () => {
    const meson = await readMember(requireOpenrcTarball(), `openrc-${OPENRC_VERSION}/init.d/meson.build`);
    const installed = [...mesonList(meson, "init_common"), ...mesonList(meson, "init_Linux")];
    expect(installed.length).toBeGreaterThan(30);
    const shipped = [...new Set(installed)].filter((name) => !OPENRC_DROPPED_SERVICES.includes(name));
    expect([...OPENRC_LINUX_SERVICES].sort()).toEqual(shipped.sort());
  });
});
