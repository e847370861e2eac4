// Profiles are overlays in profiles/NAME.yaml next to the base config; this finds and lists them.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../errors/errors.js";

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function profilesDir(configDir: string): string {
  return join(configDir, "profiles");
}

/** Names of the profiles available next to a config (files profiles/*.yaml), sorted. */
export async function listProfiles(configDir: string): Promise<string[]> {
  const entries = await readdir(profilesDir(configDir), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.name.endsWith(".yaml") && (entry.isFile() || entry.isSymbolicLink()))
    .map((entry) => entry.name.slice(0, -".yaml".length))
    .filter((name) => PROFILE_NAME.test(name))
    .sort();
}

/**
 * The absolute path of profile `name`, or a UserError listing the profiles there are.
 * `origin` says where the name came from ("--profile", "LEVITATE_PROFILE") for the message.
 */
export async function findProfile(
  configDir: string,
  name: string,
  options: { origin: string; display: (file: string) => string },
): Promise<string> {
  const dir = profilesDir(configDir);
  const file = join(dir, `${name}.yaml`);
  const found = PROFILE_NAME.test(name) && (await stat(file).then((info) => info.isFile(), () => false));
  if (found) return file;
  const available = await listProfiles(configDir);
  const expected =
    available.length === 0
      ? `a profile file in ${options.display(dir)}/, but there are none`
      : `one of ${available.join(", ")}`;
  throw new UserError(`${options.origin}: expected ${expected}, got ${JSON.stringify(name)}`, {
    details: [
      `profiles are files ${options.display(dir)}/NAME.yaml`,
      ...(available.length === 0 ? [] : [`available profiles: ${available.join(", ")}`]),
    ],
  });
}
