// `levitate-docker doctor`: engine, KVM (tested again), disk space, images, sources and caches, in one report.
import { existsSync } from "node:fs";
import { readdir, statfs } from "node:fs/promises";
import { join } from "node:path";
import { outDirFor } from "../../build/build.js";
import { loadConfig } from "../../config/load.js";
import { foreignArchitectureNote } from "../../docker/platform.js";
import { LABEL_TOOL } from "../../docker/types.js";
import { UserError } from "../../errors/errors.js";
import { downloadCandidates, downloadPath, mirrorCandidates } from "../../sources/ensure-source.js";
import { ensureImage } from "../../toolchain/ensure-image.js";
import { runnerRecipe, toolchainRecipe } from "../../toolchain/recipes.js";
import { checkRegistryCache } from "../../remote-cache/check.js";
import { cacheSettings } from "../../remote-cache/settings.js";
import { cacheRoot } from "../../util/cache-root.js";
import { chooseAccelerator } from "../../vm/accel.js";
import type { Command } from "../context.js";
import { engineFor } from "../engine-for.js";
import { CONFIG_HELP, CONFIG_OPTIONS, parse } from "../options.js";

const HELP = `usage: levitate-docker doctor [options]

Checks the Docker engine, whether KVM really runs a Linux guest (tested again, and the verdict
cached for run/test), free disk space, the toolchain and QEMU images, where each pinned source
would come from, what is cached, and whether the registry cache (cache.registry,
LEVITATE_CACHE_FROM, LEVITATE_CACHE_TO) can be read and written. Exits 1 if something would stop a build.

options:
${CONFIG_HELP}
      --no-kvm        skip the KVM test boot
`;

const GiB = 2 ** 30;

export const doctorCommand: Command = async (args, context) => {
  const { values } = parse("doctor", args, { ...CONFIG_OPTIONS, "no-kvm": { type: "boolean" } });
  if (values.help) {
    context.stdout.write(HELP);
    return 0;
  }
  let failures = 0;
  const line = (state: "ok" | "warn" | "FAIL" | "info", text: string) => {
    if (state === "FAIL") failures += 1;
    context.stdout.write(`${state.padEnd(4)}  ${text}\n`);
  };
  const root = cacheRoot(context.env);

  let config;
  try {
    config = await loadConfig({
      cwd: context.cwd,
      env: context.env,
      ...(values.config === undefined ? {} : { configPath: values.config }),
      ...(values.profile === undefined ? {} : { profile: values.profile }),
      ...(values.mirror === undefined ? {} : { mirror: values.mirror }),
      ...(values["mirror-site"] === undefined ? {} : { mirrorSites: values["mirror-site"] }),
    });
    line("ok", `config ${config.configFile}${config.profile ? ` + profile ${config.profile}` : ""} (toolchain: ${config.toolchain.flavour})`);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    line("FAIL", error.message);
    for (const d of error.details) context.stdout.write(`        ${d}\n`);
  }

  const engine = engineFor(context);
  let engineOk = false;
  try {
    const info = await engine.info();
    engineOk = true;
    line("ok", `engine ${info.endpoint}: Docker ${info.serverVersion} (API ${info.apiVersion}), ${info.os}, ${info.architecture}, ${info.cpus} CPUs, ${(info.memoryBytes / GiB).toFixed(1)} GiB, ${info.storageDriver}`);
    const [foreign, ...cost] = foreignArchitectureNote(info.architecture) ?? [];
    if (foreign !== undefined) {
      line("warn", foreign);
      for (const d of cost) context.stdout.write(`        ${d}\n`);
    }
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    line("FAIL", error.message);
    for (const d of error.details) context.stdout.write(`        ${d}\n`);
  }

  for (const [what, path] of [["host cache", root], ["Docker data", "/var/lib/docker"]] as const) {
    if (!existsSync(path)) continue;
    const fs = await statfs(path);
    const free = (fs.bavail * fs.bsize) / GiB;
    line(free < 10 ? "warn" : "ok", `${what} ${path}: ${free.toFixed(1)} GiB free${free < 10 ? " (a cold build needs about 10 GiB)" : ""}`);
  }

  if (config !== undefined) {
    for (const pin of Object.values(config.sources)) {
      const cached = downloadPath(root, pin);
      const mirrored = mirrorCandidates(pin, config.mirror === null ? [] : [config.mirror], root).find((p) => existsSync(p));
      if (existsSync(cached)) line("ok", `source ${pin.file}: verified in the download cache`);
      else if (mirrored) line("ok", `source ${pin.file}: in the mirror (${mirrored}), verified on first use`);
      else if (downloadCandidates(pin, config.mirrorSites).length > 0) {
        line("info", `source ${pin.file}: will be downloaded from ${downloadCandidates(pin, config.mirrorSites)[0]!.url}`);
      }
      else line("warn", `source ${pin.file}: not in the cache or a mirror and no URL; put it in ${join(config.mirror ?? join(root, "mirror"), pin.file)} (sha256 ${pin.sha256})`);
    }
  }

  if (engineOk && config !== undefined) {
    const toolchain = await toolchainRecipe(config);
    const runner = await runnerRecipe(config);
    for (const recipe of [toolchain, runner]) {
      const id = await engine.images.id(recipe.tag);
      line(id ? "ok" : "info", `${recipe.kind} image ${recipe.tag}: ${id ? "present" : "not built yet (the next build makes it)"}`);
      line(
        recipe.lock.pins.length > 0 ? "ok" : "warn",
        recipe.lock.pins.length > 0
          ? `${recipe.kind} packages: ${recipe.lock.pins.length} pinned by ${recipe.lock.path}`
          : `${recipe.kind} packages: ${recipe.lock.path} is unresolved, so versions float (levitate-docker lock toolchain --flavour ${config.toolchain.flavour} --write)`,
      );
    }
    if (config.toolchain.base.startsWith("levitate/") && (await engine.images.id(config.toolchain.base)) === null) {
      line("FAIL", `base image ${config.toolchain.base} is missing: make it with scripts/prepare-offline.sh base`);
    }
    const volumes = await engine.volumes.list({ [LABEL_TOOL]: "1" });
    line("info", `volumes: ${volumes.map((v) => v.name).sort().join(", ") || "none"}`);
    if (values["no-kvm"] !== true) {
      try {
        await ensureImage(engine, runner, { onBuildStart: () => context.stderr.write(`building ${runner.tag} for the KVM test\n`), signal: context.signal });
        const kernel = join(outDirFor(context.cwd, context.env), "bzImage");
        const choice = await chooseAccelerator({
          engine,
          requested: "auto",
          runnerImage: runner.tag,
          ...(existsSync(kernel) ? { canaryKernel: kernel } : {}),
          cacheRoot: root,
          recheck: true,
          signal: context.signal,
        });
        line(choice.accel === "kvm" ? "ok" : "warn", `accelerator: ${choice.accel}: ${choice.reason}`);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        line("warn", `accelerator: could not test KVM: ${error.message}`);
      }
    }
  }

  if (config !== undefined) {
    try {
      const settings = cacheSettings({}, context.env, config);
      for (const check of await checkRegistryCache(settings, context.env, context.signal)) line(check.state, check.text);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      line("FAIL", error.message);
    }
  }

  const artifacts = join(root, "artifacts");
  if (existsSync(artifacts)) {
    const stages = await readdir(artifacts);
    const counts = await Promise.all(stages.map(async (s) => `${s} ${(await readdir(join(artifacts, s))).filter((n) => !n.startsWith(".")).length}`));
    line("info", `cached artifacts in ${artifacts}: ${counts.join(", ") || "none"}`);
  } else line("info", `no cached artifacts yet (${artifacts})`);
  return failures === 0 ? 0 : 1;
};
