// The OpenRC service list must match what the pinned OpenRC tarball installs on Linux (init.d/meson.build).
import { describe, expect, it } from "vitest";
import { OPENRC_DROPPED_SERVICES, OPENRC_LINUX_SERVICES, OPENRC_VERSION } from "../../../orchestrator/config/openrc-services.js";
import { OPENRC_FILE, openrcSkipReason, readMember, requireOpenrcTarball } from "../../helpers/openrc-tarball.js";

const skip = openrcSkipReason();

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
