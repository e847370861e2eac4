// `levitate-docker init DIR`: writes a new project ready to build, and says what to do next.
import { relative } from "node:path";
import { EXAMPLE_SERVICE, initProject } from "../../project/init-project.js";
import { UserError } from "../../errors/errors.js";
import type { Command } from "../context.js";
import { parse } from "../options.js";

const HELP = `usage: levitate-docker init DIR

Writes a new LevitateOS project into DIR (created; it must be new or empty):
  config/levitate.yaml          the config (with a yaml-language-server schema modeline)
  config/profiles/offline.yaml  a profile for machines without a registry or downloads
  config/files/                 copied into the image last: /etc, init scripts
  config/files/etc/init.d/${EXAMPLE_SERVICE}   an example OpenRC service, in the default runlevel
  config/busybox.config         BusyBox options merged over defconfig
  linux/levitate.config         the kernel fragment merged over tinyconfig
  config/*.schema.json          JSON Schemas for editor help
Then: cd DIR && levitate-docker build && levitate-docker test

options:
  -h, --help   show this help
`;

export const initCommand: Command = async (args, context) => {
  const { values, positionals } = parse("init", args, { help: { type: "boolean", short: "h" } }, true);
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UserError(`init: expected one directory, got ${positionals.length === 0 ? "none" : positionals.join(" ")}`, {
      details: ["usage: levitate-docker init DIR"],
    });
  }
  const result = await initProject(positionals[0]!, context.cwd);
  const near = relative(context.cwd, result.dir);
  const shown = near === "" ? "." : near.startsWith("..") ? result.dir : near;
  context.stdout.write(`created ${shown} (${result.files.length} files)\n`);
  context.stdout.write(`next: cd ${shown} && levitate-docker build && levitate-docker test\n`);
  context.stdout.write(`      (no registry here? add --profile offline; see config/profiles/offline.yaml)\n`);
  return 0;
};
