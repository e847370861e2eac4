// `npm run bench`: cold stages, no-op and incremental builds, boots of both flavours (with their breakdown) and sizes; medians against plain docker.
import { execa } from "execa";
import { appendFile, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../config/load.js";
import { createEngine } from "../docker/engine.js";
import { ROLE_WARM } from "../docker/warm-container.js";
import { LABEL_PROJECT, LABEL_ROLE } from "../ownership/labels.js";
import { UserError } from "../errors/errors.js";
import { BENCH_USAGE, parseBenchArgs } from "./args.js";
import { BENCH_LABEL, benchChild, exitCodeFor, interruptedBy, stopOnSignals } from "./interrupt.js";
import { ensureSource } from "../sources/ensure-source.js";
import type { StageInvocation, StageName } from "../stages/stage.js";
import { invocationsFor } from "../stages/table.js";
import { ensureImage } from "../toolchain/ensure-image.js";
import { runnerRecipe, toolchainRecipe } from "../toolchain/recipes.js";
import { cacheRoot } from "../util/cache-root.js";
import { packageRoot } from "../util/package-root.js";
import { directBoot } from "./direct-boot.js";
import { directRun } from "./direct-run.js";
import { formatRatio, formatStats, repeat, summarize } from "./stats.js";
import { makeBenchProject } from "./project.js";
import { freshMachineRows } from "./registry-cache.js";
import { assertRegistryInstalled } from "./local-registry.js";

/** A leaf driver: what a kernel developer typically flips. */
// (VIRTIO_INPUT is out of reach since the lean fragment switched INPUT off.)
const FRAGMENT_CHANGE = "CONFIG_VIRTIO_MMIO=y";
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(2)} MiB`;
/** The linux stage's "objects compiled" line, from its log in the --json events. */
const objectCount = (jsonLines: string) => /(\d+ objects) in the build tree/.exec(jsonLines)?.[1] ?? "objects: see out/logs/linux.log";
/** The time to shell `test` printed ("booted to a shell in 4.1 s"), in ms. */
const shellMs = (stdout: string): number | undefined => {
  const shell = /shell in (\d+(?:\.\d+)?) ?s/.exec(stdout)?.[1];
  return shell === undefined ? undefined : Number(shell) * 1000;
};
const timed = async (work: () => Promise<unknown>) => {
  const started = Date.now();
  await work();
  return Date.now() - started;
};

export async function runBench(argv: readonly string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options.help) {
    process.stdout.write(BENCH_USAGE);
    return 0;
  }
  const { minimal, runs, bootRuns } = options;
  // Before anything is built: finding it missing after the cold builds would waste them.
  await assertRegistryInstalled();
  /** --warm: skip the cold builds; use the shared cache and volumes (what a developer's machine has). */
  const warm = options.warm;
  const realMirror = process.env.LEVITATE_MIRROR ?? join(cacheRoot(), "mirror");
  const project = await makeBenchProject(realMirror, { shared: warm });
  const configPath = join(project.dir, "config", "levitate.yaml");
  const flags = ["--config", configPath, "--profile", "offline", ...(minimal ? ["--minimal"] : [])];
  const cli = async (args: string[], env: Record<string, string> = {}, options: { viaNpx?: boolean; unset?: readonly string[] } = {}) => {
    const started = Date.now();
    // Variables to leave out of the environment (the rest is this process's, as a user's shell passes it).
    const unset = options.unset ?? [];
    const base = unset.length === 0 ? process.env : Object.fromEntries(Object.entries(process.env).filter(([name]) => !unset.includes(name)));
    // npx from the package's own directory: what the README's `npx levitate-docker` costs.
    const result = options.viaNpx === true
      ? await execa("npx", ["levitate-docker", ...args, ...flags], { env: { ...base, ...project.env, ...env }, extendEnv: false, reject: false, stdin: "ignore", cwd: packageRoot, ...benchChild })
      : await execa("node", [join(packageRoot, "bin", "levitate-docker.js"), ...args, ...flags], { env: { ...base, ...project.env, ...env }, extendEnv: false, reject: false, stdin: "ignore", cwd: project.dir, ...benchChild });
    const ms = Date.now() - started;
    if (result.exitCode !== 0) throw new Error(`levitate-docker ${args.join(" ")} failed:\n${String(result.stderr).slice(-3000)}`);
    return { ms, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  stopOnSignals(log, () => `left behind: the project copy ${project.dir}${warm ? "" : ` and the volumes named ${project.volumePrefix}-*`}`);
  const rows: [string, string, string][] = [];
  const record = (row: [string, string, string]) => {
    rows.push(row);
    log(`${row[0]}: ${row[1]} ${row[2]}`);
  };
  try {
    const config = await loadConfig({ configPath, profile: "offline", env: { ...process.env, ...project.env } });
    log(`machine: ${(await createEngine().info()).cpus} CPUs; flavour ${minimal ? "minimal" : "openrc"}; project copy in ${project.dir}`);
    // Not timed: sources verified into the bench cache, toolchain image present.
    for (const pin of Object.values(config.sources)) {
      if (minimal && pin.name === config.openrc.source) continue;
      await ensureSource(pin, { cacheRoot: project.env.LEVITATE_CACHE!, mirrors: [realMirror] });
    }
    const recipe = await toolchainRecipe(config);
    await ensureImage(createEngine(), recipe, { onBuildStart: () => log(`building ${recipe.tag}`) });
    const runnerTag = (await runnerRecipe(config)).tag;
    /** The artifacts of the last build of the project copy, as the container stages' inputs need them. */
    const lastArtifacts = async () => {
      const meta = JSON.parse(await readFile(join(project.dir, "out", "metadata.json"), "utf8")) as { stages: { name: StageName; key: string }[] };
      return new Map(meta.stages.map((st) => [st.name, join(project.env.LEVITATE_CACHE!, "artifacts", st.name, st.key)] as const));
    };
    /** One stage with plain docker commands: same image, script, inputs, environment and kinds of volumes. */
    const direct = (stage: StageInvocation, artifacts: ReadonlyMap<StageName, string>, volumePrefix: string, sourceInVolume: boolean) => {
      const pin = stage.source;
      const inputs: Record<string, string> = {};
      for (const file of stage.files) {
        if ("hostPath" in file && file.role !== "script") inputs[file.path] = file.hostPath;
        if ("fromStage" in file) inputs[file.path] = join(artifacts.get(file.fromStage)!, file.file);
      }
      return directRun({
        name: stage.name,
        image: recipe.tag,
        script: join(packageRoot, "images", "stages", `${stage.name}.sh`),
        inputs,
        source: pin === null ? null : { path: join(project.env.LEVITATE_CACHE!, "downloads", pin.sha256, pin.file), sha256: pin.sha256, file: pin.file, inVolume: sourceInVolume },
        env: stage.env,
        volumePrefix,
        toolchainKey: recipe.key,
        outDir: join(project.dir, "direct-out"),
      });
    };

    const stageMs = new Map<string, number>();
    /** The whole cold build's time (none with --warm). */
    let coldMs: number | null = null;
    const containerStages = invocationsFor(config, minimal ? "minimal" : "openrc", packageRoot).filter((s) => s.where === "container");
    if (warm) {
      log("warm: bringing the shared cache up to date (not timed)...");
      await cli(["build"]);
      // The kernel's cold time, from an earlier cold run (`--cold-kernel SECONDS`): measuring it costs a full build.
      if (options.coldKernelMs !== null) stageMs.set("linux", options.coldKernelMs);
      log("warm: each container stage forced, ours vs plain docker on the same warm trees...");
      const artifactsW = await lastArtifacts();
      for (const stage of containerStages) {
        // Plain docker goes first: whoever goes first pays for anything stale in the shared trees.
        const directMs = await direct(stage, artifactsW, project.volumePrefix, true);
        const ours = await cli(["build", stage.name, "--force"]);
        const extra = ours.ms - directMs;
        const cold = stageMs.get(stage.name);
        record([
          `warm ${stage.name} (forced): ours (whole CLI) vs plain docker`,
          `${seconds(ours.ms)} vs ${seconds(directMs)}`,
          `+${seconds(extra)}${cold ? ` = ${((extra / cold) * 100).toFixed(2)}% of its cold time` : ""}`,
        ]);
      }
    } else {
    // --parallel N: how many stages the cold build runs at once (default: the config's build.parallel).
    const parallel = options.parallel ?? config.build.parallel;
    const atOnce = `up to ${parallel} stage${parallel === 1 ? "" : "s"} at once`;
    log(`cold build (orchestrated, ${atOnce})...`);
    const cold = await cli(["build", "--json", "--parallel", String(parallel)]);
    coldMs = cold.ms;
    for (const line of cold.stdout.split("\n")) {
      if (!line.startsWith("{")) continue;
      const event = JSON.parse(line) as { event: string; stage?: string; durationMs?: number };
      if (event.event === "stageFinished" && event.stage) stageMs.set(event.stage, event.durationMs ?? 0);
    }
    record([`cold build, total (orchestrated, ${atOnce})`, `${seconds(cold.ms)} (1 run)`, "target < 360 s"]);
    record(["cold linux stage", `${seconds(stageMs.get("linux") ?? NaN)} (1 run)`, `${objectCount(cold.stdout)}; target < 240 s`]);

    log("cold stages with plain docker commands, one after another...");
    const artifacts = await lastArtifacts();
    let ourTotal = 0;
    let directTotal = 0;
    // Stages that ran side by side shared the CPUs: their times are not the tool's overhead.
    const beside = parallel > 1 ? " (ours beside other stages)" : "";
    for (const stage of containerStages) {
      const ms = await direct(stage, artifacts, `${project.volumePrefix}-direct`, false);
      const ours = stageMs.get(stage.name) ?? NaN;
      ourTotal += ours;
      directTotal += ms;
      record([`cold ${stage.name}: ours vs plain docker${beside}`, `${seconds(ours)} vs ${seconds(ms)}`, `x${(ours / ms).toFixed(3)}`]);
    }
    if (parallel === 1) {
      record(["cold container stages, sum: ours vs plain docker", `${seconds(ourTotal)} vs ${seconds(directTotal)}`, `overhead ${(((ourTotal - directTotal) / directTotal) * 100).toFixed(1)}% (target < 3%)`]);
    } else {
      record([
        `cold build, whole: ours (${parallel} stages at once) vs plain docker stages one after another (sum)`,
        `${seconds(cold.ms)} vs ${seconds(directTotal)}`,
        `x${(cold.ms / directTotal).toFixed(3)} (per-stage overhead: --parallel 1 or --warm)`,
      ]);
    }
    record(["initramfs (host, TypeScript)", seconds(stageMs.get("initramfs") ?? NaN), ""]);
    }

    // Everyday commands: medians of several runs, each against the plain docker commands doing the same work.
    const noop = await repeat(runs, async () => (await cli(["build"])).ms);
    const npx = await repeat(runs, async () => (await cli(["build"], {}, { viaNpx: true })).ms);
    const inspect = await repeat(runs, async () => timed(() => execa("docker", ["image", "inspect", recipe.tag], { stdin: "ignore", ...benchChild })));
    // What no command through the bin can beat: Node.js starting and exiting, in this environment.
    const nodeAlone = await repeat(runs, () => timed(() => execa("node", ["-e", ""], { stdin: "ignore", ...benchChild })));
    record(["no-op build through the bin (node bin/levitate-docker.js)", formatStats(noop, seconds), `${formatRatio(noop, inspect, "`docker image inspect`", seconds)}; target < 0.2 s`]);
    record(["  of which Node.js itself starting (node -e '')", formatStats(nodeAlone, seconds), `the rest, ${seconds(noop.median - nodeAlone.median)}, is the tool`]);
    // Node reads NODE_EXTRA_CA_CERTS (a CA bundle; some CI and corporate machines set it) at every start.
    if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
      const bare = await repeat(runs, async () => (await cli(["build"], {}, { unset: ["NODE_EXTRA_CA_CERTS"] })).ms);
      record(["no-op build through the bin, NODE_EXTRA_CA_CERTS unset", formatStats(bare, seconds), `this environment sets it: Node reads that bundle at every start, +${seconds(noop.median - bare.median)} here`]);
    }
    record(["no-op build through npx levitate-docker", formatStats(npx, seconds), `x${(npx.median / noop.median).toFixed(2)} of the bin`]);

    for (const row of await freshMachineRows(cli, coldMs)) record(row);

    const edit = await repeat(runs, async (run) => {
      await appendFile(join(project.dir, "config", "files", "etc", "motd"), `bench edit ${Date.now()} ${run}\n`);
      return (await cli(["build"])).ms;
    });
    const isoStage = containerStages.find((st) => st.name === "iso")!;
    const isoArtifacts = await lastArtifacts();
    const directIso = await repeat(runs, () => direct(isoStage, isoArtifacts, project.volumePrefix, true));
    record(["edit config/files/etc/motd -> new ISO (initramfs + iso)", formatStats(edit, seconds), `${formatRatio(edit, directIso, "plain docker iso stage", seconds)}; target < 1 s`]);
    // The same edit with no warm iso container (config build.keep_warm 0): a new container each build.
    const configText = await readFile(configPath, "utf8");
    if (/^build:/m.test(configText)) {
      record(["edit -> new ISO, build.keep_warm 0", "-", "not measured: the config has its own build: section"]);
    } else {
      await writeFile(configPath, `${configText}\nbuild:\n  keep_warm: 0\n`);
      try {
        const coldEdit = await repeat(runs, async (run) => {
          await appendFile(join(project.dir, "config", "files", "etc", "motd"), `bench edit ${Date.now()} one-shot ${run}\n`);
          return (await cli(["build"])).ms;
        });
        record(["edit -> new ISO, build.keep_warm 0 (a new iso container each build)", formatStats(coldEdit, seconds), `the warm container saves ${seconds(coldEdit.median - edit.median)}`]);
      } finally {
        await writeFile(configPath, configText);
      }
    }
    if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
      const bareEdit = await repeat(runs, async (run) => {
        await appendFile(join(project.dir, "config", "files", "etc", "motd"), `bench edit ${Date.now()} bare ${run}\n`);
        return (await cli(["build"], {}, { unset: ["NODE_EXTRA_CA_CERTS"] })).ms;
      });
      record(["edit -> new ISO, NODE_EXTRA_CA_CERTS unset", formatStats(bareEdit, seconds), "(see the no-op rows)"]);
    }

    const fragmentBefore = await readFile(join(project.dir, "linux", "levitate.config"), "utf8");
    // The comment makes the key new even where an earlier run cached this very change.
    await appendFile(join(project.dir, "linux", "levitate.config"), `\n# bench ${Date.now()}\n${FRAGMENT_CHANGE}\n`);
    const fragment = await cli(["build", "linux"]);
    const coldLinux = stageMs.get("linux");
    // --warm without --cold-kernel has no cold kernel to compare with.
    const ofCold = coldLinux === undefined ? "no cold kernel time to compare (--warm: add --cold-kernel SECONDS)" : `${((fragment.ms / coldLinux) * 100).toFixed(1)}% of cold`;
    record([`kernel fragment +${FRAGMENT_CHANGE} -> new bzImage`, `${seconds(fragment.ms)} (1 run)`, `${ofCold} (target < 35%)`]);
    await writeFile(join(project.dir, "linux", "levitate.config"), fragmentBefore);
    await cli(["build"]);

    const shells: number[] = [];
    const phases = new Map<string, number[]>();
    let accel = "tcg";
    for (let run = 0; run < bootRuns; run++) {
      const test = await cli(["test", "--verbose"]);
      accel = /accelerator: (kvm|tcg)/.exec(test.stdout)?.[1] ?? accel;
      const shell = shellMs(test.stdout);
      if (shell !== undefined) shells.push(shell);
      for (const match of test.stdout.matchAll(/^ {2}(\S.*?) +(\d+\.\d+) s$/gm)) {
        // (The "slowest OpenRC steps" line ends with a step's time too: it is not a phase.)
        if (match[1] === "time to shell" || match[1]!.startsWith("slowest OpenRC steps")) continue;
        phases.set(match[1]!, [...(phases.get(match[1]!) ?? []), Number(match[2]) * 1000]);
      }
    }
    const rawBoot = await repeat(bootRuns, () =>
      directBoot({ runnerImage: runnerTag, iso: join(project.dir, "out", "levitate.iso"), accel: accel === "kvm" ? "kvm" : "tcg", memory: config.vm.memory, network: "user", timeoutMs: 180_000 }),
    );
    if (shells.length > 0) {
      const shell = summarize(shells);
      record([`test: time to shell (${accel}, BIOS, ${minimal ? "minimal" : "OpenRC"})`, formatStats(shell, seconds), `${formatRatio(shell, rawBoot, "plain docker run of QEMU to the prompt", seconds)}; target < ${minimal ? "2.5" : "4"} s`]);
    }
    for (const [name, samples] of phases) record([`  boot phase: ${name}`, formatStats(summarize(samples), seconds), ""]);

    if (!minimal) {
      // The minimal flavour's time to shell too (its own out/; busybox, linux and grub are shared).
      const outMinimal = { LEVITATE_OUT: join(project.dir, "out-minimal") };
      await cli(["build", "--minimal"], outMinimal);
      const minimalShells: number[] = [];
      for (let run = 0; run < bootRuns; run++) {
        const test = await cli(["test", "--minimal"], outMinimal);
        const shell = shellMs(test.stdout);
        if (shell !== undefined) minimalShells.push(shell);
      }
      if (minimalShells.length > 0) {
        record([`test --minimal: time to shell (${accel}, BIOS)`, formatStats(summarize(minimalShells), seconds), "target < 2.5 s"]);
      }
    }

    const targets: Record<string, string> = { "bzImage": "target < 2.5 MiB", "levitate.iso": "target < 8 MB (7.63 MiB)" };
    for (const file of ["bzImage", "initramfs.cpio.gz", "levitate.iso"]) {
      record([`size of ${file}`, mib((await stat(join(project.dir, "out", file))).size), targets[file] ?? ""]);
    }
  } finally {
    // Containers of the plain docker runs that an interrupt left (each run removes its own otherwise); then the volumes.
    const left = await execa("docker", ["ps", "-aq", "--filter", `label=${BENCH_LABEL}`], { reject: false });
    // And the project's warm iso container, which its builds leave running for the next one.
    const warmLeft = await execa("docker", ["ps", "-aq", "--filter", `label=${LABEL_ROLE}=${ROLE_WARM}`, "--filter", `label=${LABEL_PROJECT}=${project.volumePrefix}`], { reject: false });
    const ids = [...String(left.stdout).split("\n"), ...String(warmLeft.stdout).split("\n")].filter((id) => id !== "");
    if (ids.length > 0) await execa("docker", ["rm", "-f", ...ids], { reject: false });
    const volumes = warm ? { stdout: "" } : await execa("docker", ["volume", "ls", "-q", "--filter", `name=${project.volumePrefix}`], { reject: false });
    const names = String(volumes.stdout).split("\n").filter((n) => n.startsWith(project.volumePrefix));
    if (names.length > 0) await execa("docker", ["volume", "rm", "-f", ...names], { reject: false });
    await project.dispose();
    const signal = interruptedBy();
    if (signal !== null) log(`${signal}: removed ${warm ? "its containers and the project copy (the shared volumes stay)" : `its containers, the volumes ${project.volumePrefix}-* and the project copy`}`);
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  process.stdout.write(`\n${"measure".padEnd(width)}  ${"figure".padEnd(valueWidth)}  ratio / target\n`);
  for (const [name, value, note] of rows) process.stdout.write(`${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${note}\n`);
  return 0;
}

runBench(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const signal = interruptedBy();
    if (signal !== null) {
      process.stderr.write(`bench: stopped by ${signal}\n`);
      process.exitCode = exitCodeFor(signal);
      return;
    }
    process.stderr.write(
      error instanceof UserError
        ? `bench: ${[error.message, ...error.details].join("\n")}\n`
        : `bench failed: ${String((error as Error).stack ?? error)}\n`,
    );
    process.exitCode = 1;
  },
);
