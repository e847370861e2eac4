// Builds throwaway project trees for config tests: a fixture as config/levitate.yaml plus the files it names.
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/config/", import.meta.url));
export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export interface Workspace {
  readonly root: string;
  /** Writes a file under root (parents created); `executable` sets mode 0755. */
  write(path: string, text: string, options?: { executable?: boolean }): Promise<string>;
  /** Copies a fixture (path under tests/fixtures/config) to `path` under root. */
  fixture(name: string, path: string): Promise<string>;
  remove(): Promise<void>;
}

export async function createWorkspace(): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), "levitate-config-"));
  const write = async (path: string, text: string, options: { executable?: boolean } = {}): Promise<string> => {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    await chmod(file, options.executable === true ? 0o755 : 0o644);
    return file;
  };
  return {
    root,
    write,
    fixture: async (name, path) => {
      const file = join(root, path);
      await mkdir(dirname(file), { recursive: true });
      await copyFile(join(FIXTURES, name), file);
      return file;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** The files valid.yaml and many-problems.yaml point at, laid out as in the repo. */
export async function writeSupportFiles(workspace: Workspace): Promise<void> {
  await workspace.write("linux/levitate.config", "CONFIG_PRINTK=y\n");
  await workspace.write("linux/patches/0001-base.patch", "");
  await workspace.write("config/busybox.config", "CONFIG_STATIC=y\n");
  await workspace.write("config/files/etc/init.d/klogd", "#!/sbin/openrc-run\n", { executable: true });
  // No "#!": the image would not make it executable, whatever its mode on the host.
  await workspace.write("config/files/etc/init.d/noexec", "depend() { :; }\n", { executable: true });
  await mkdir(join(workspace.root, "mirror"), { recursive: true });
}
