// Boot checks derived from the config: every OpenRC service it declares must be started in the guest.
import type { ResolvedConfig } from "../config/types.js";
import type { BootCheck } from "./boot-check-file.js";

/** Services of sysinit, boot and default (shutdown's run only at poweroff). */
export function serviceChecks(config: ResolvedConfig, source = "config"): BootCheck[] {
  const levels = ["sysinit", "boot", "default"] as const;
  return levels.flatMap((level) =>
    config.openrc.runlevels[level].map((service) => ({
      name: `service ${service} (${level}) is started`,
      run: `rc-service ${service} status`,
      expect: { exitCode: 0, output: "started" },
      timeoutSeconds: 10,
      source,
    })),
  );
}
