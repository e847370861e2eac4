// Flag parsing shared by the commands: node's parseArgs, strict, with errors that name the command.
import { parseArgs } from "node:util";
import type { ParseArgsConfig } from "node:util";
import { UserError } from "../errors/errors.js";
import type { Flavour } from "../config/types.js";
import type { ConfigSelection } from "../build/build.js";
import type { CommandContext } from "./context.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** --config, --profile, --mirror, --minimal: every command that reads the config takes these. */
export const CONFIG_OPTIONS = {
  config: { type: "string", short: "c" },
  profile: { type: "string", short: "p" },
  mirror: { type: "string" },
  "mirror-site": { type: "string", multiple: true },
  minimal: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

export const CONFIG_HELP = `  -c, --config FILE   config file (default: config/levitate.yaml)
  -p, --profile NAME  merge config/profiles/NAME.yaml over it (env: LEVITATE_PROFILE)
      --mirror DIR    look for source tarballs here first (env: LEVITATE_MIRROR)
      --mirror-site URL
                      then download them from URL/<file>, before their own URLs; repeatable
                      (env: LEVITATE_MIRROR_SITES, space- or comma-separated; config: mirror_sites)
      --minimal       the BusyBox-init flavour instead of OpenRC
  -h, --help          show this help`;

export function parse<T extends Options>(command: string, args: readonly string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UserError(`${command}: ${(error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, "")}`, {
      cause: error,
      details: [`see: levitate-docker ${command} --help`],
    });
  }
}

export function selection(
  values: {
    config?: string | boolean | undefined;
    profile?: string | boolean | undefined;
    mirror?: string | boolean | undefined;
    "mirror-site"?: string[] | undefined;
    minimal?: string | boolean | undefined;
  },
  context: CommandContext,
): ConfigSelection {
  const flavour: Flavour = values.minimal === true ? "minimal" : "openrc";
  return {
    cwd: context.cwd,
    env: context.env,
    flavour,
    ...(typeof values.config === "string" ? { configPath: values.config } : {}),
    ...(typeof values.profile === "string" ? { profile: values.profile } : {}),
    ...(typeof values.mirror === "string" ? { mirror: values.mirror } : {}),
    ...(values["mirror-site"] === undefined ? {} : { mirrorSites: values["mirror-site"] }),
  };
}

export function progressMode(values: { json?: unknown; plain?: unknown }, stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): "tty" | "plain" | "json" {
  if (values.json === true) return "json";
  if (values.plain === true || env.CI === "true" || env.TERM === "dumb") return "plain";
  return stream.isTTY ? "tty" : "plain";
}
