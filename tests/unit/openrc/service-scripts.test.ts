// The OpenRC service scripts in config/files: OpenRC only scans `#!/sbin/openrc-run` scripts, and a shell must parse them.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const INIT_D = fileURLToPath(new URL("../../../config/files/etc/init.d/", import.meta.url));
const CONF_D = fileURLToPath(new URL("../../../config/files/etc/conf.d/", import.meta.url));

describe.each(["syslogd", "klogd"])("config/files/etc/init.d/%s", (name) => {
  const script = readFileSync(`${INIT_D}${name}`, "utf8");

  it("is an executable openrc-run script that a POSIX shell parses", () => {
    expect(script.startsWith("#!/sbin/openrc-run\n")).toBe(true);
    expect(statSync(`${INIT_D}${name}`).mode & 0o111).toBe(0o111);
    const parsed = spawnSync("sh", ["-n", `${INIT_D}${name}`], { encoding: "utf8" });
    expect(parsed.stderr).toBe("");
    expect(parsed.status).toBe(0);
  });

  it("runs its BusyBox daemon in the foreground under OpenRC, with options from conf.d", () => {
    const variable = `${name.toUpperCase()}_OPTS`;
    expect(script).toContain(`command=/sbin/${name}\n`);
    expect(script).toContain(`command_args="-n \${${variable}}"\n`);
    expect(script).toContain("command_background=yes\n");
    expect(readFileSync(`${CONF_D}${name}`, "utf8")).toMatch(new RegExp(`^${variable}=""$`, "m"));
  });
});

describe("logger dependencies", () => {
  it("has syslogd provide the logger that klogd needs", () => {
    expect(readFileSync(`${INIT_D}syslogd`, "utf8")).toMatch(/^\tprovide logger$/m);
    expect(readFileSync(`${INIT_D}klogd`, "utf8")).toMatch(/^\tneed logger$/m);
  });
});
