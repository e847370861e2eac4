// What run, test and vm start share: build if needed, the runner image, the accelerator, the boot files.
import { build } from "../build/build.js";
import type { ResolvedConfig } from "../config/types.js";
import type { Engine } from "../docker/types.js";
import { UserError } from "../errors/errors.js";
import { HOST_NAME } from "../initramfs/network-files.js";
import { createReporter } from "../progress/reporter.js";
import { ensureImage } from "../toolchain/ensure-image.js";
import { runnerRecipe } from "../toolchain/recipes.js";
import { cacheRoot } from "../util/cache-root.js";
import { chooseAccelerator } from "../vm/accel.js";
import { parseNetwork, parsePublishes } from "../vm/network.js";
import type { AcceleratorChoice, RequestedAccelerator } from "../vm/accel.js";
import type { BootEventHandler } from "../vm/boot-events.js";
import type { VmBootFiles, VmSpec } from "../vm/vm-spec.js";
import { vmMemoryProblem } from "../util/vm-memory.js";
import type { CommandContext } from "./context.js";
import { engineFor } from "./engine-for.js";
import { CONFIG_HELP, CONFIG_OPTIONS, progressMode, selection } from "./options.js";

export const VM_OPTIONS = {
  ...CONFIG_OPTIONS,
  accel: { type: "string" },
  memory: { type: "string", short: "m" },
  cpus: { type: "string" },
  uefi: { type: "boolean" },
  disk: { type: "string" },
  append: { type: "string" },
  network: { type: "string" },
  publish: { type: "string", multiple: true },
  plain: { type: "boolean" },
} as const;

export const VM_HELP = `${CONFIG_HELP}
      --accel MODE    auto (default): KVM only where a Linux guest really runs under it, else TCG; kvm; tcg
  -m, --memory SIZE   guest memory, e.g. 512M (default: vm.memory in the config)
      --cpus N        guest CPUs (default: vm.cpus in the config)
      --uefi          boot with OVMF (UEFI) instead of SeaBIOS
      --disk NAME     attach the disk NAME (see 'levitate-docker disk') as /dev/vda
      --append ARGS   extra kernel command-line arguments (boots bzImage + initramfs directly)
      --network MODE  user (default): QEMU user-mode networking, a virtio NIC, eth0 by DHCP;
                      host: the same, with 10.0.2.2 (${HOST_NAME}) as this host's 127.0.0.1;
                      none: no NIC at all
      --publish HOST:GUEST[/tcp|udp]   forward 127.0.0.1:HOST on this host to the guest's port
                      GUEST (repeatable), e.g. --publish 8080:80
      --plain         plain progress lines while building`;

export interface VmValues {
  readonly config?: string | undefined;
  readonly profile?: string | undefined;
  readonly mirror?: string | undefined;
  readonly "mirror-site"?: string[] | undefined;
  readonly minimal?: boolean | undefined;
  readonly accel?: string | undefined;
  readonly memory?: string | undefined;
  readonly cpus?: string | undefined;
  readonly uefi?: boolean | undefined;
  readonly disk?: string | undefined;
  readonly append?: string | undefined;
  readonly network?: string | undefined;
  readonly publish?: readonly string[] | undefined;
  readonly plain?: boolean | undefined;
}

export interface PreparedBoot {
  readonly engine: Engine;
  readonly config: ResolvedConfig;
  readonly accel: AcceleratorChoice;
  /** The VM to start, all but its name. */
  readonly vm: Omit<VmSpec, "name" | "role">;
}

function requestedAccel(value: string | undefined): RequestedAccelerator {
  const accel = value ?? "auto";
  if (accel !== "auto" && accel !== "kvm" && accel !== "tcg") {
    throw new UserError(`--accel: expected auto, kvm or tcg, got '${accel}'`);
  }
  return accel;
}

/** Builds what is out of date, then gets everything a VM needs; the runner image and the accelerator are reported as events. */
export async function prepareBoot(values: VmValues, context: CommandContext, onEvent: BootEventHandler): Promise<PreparedBoot> {
  const requested = requestedAccel(values.accel);
  const network = parseNetwork(values.network);
  const forwards = parsePublishes(values.publish ?? [], network);
  let cpus: number | undefined;
  if (values.cpus !== undefined) {
    cpus = Number(values.cpus);
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > 64) throw new UserError(`--cpus: expected a whole number from 1 to 64, got '${values.cpus}'`);
  }
  const memoryProblem = values.memory === undefined ? null : vmMemoryProblem(values.memory);
  if (memoryProblem !== null) throw new UserError(`--memory: ${memoryProblem}`);
  const chosen = selection(values, context);
  const mode = progressMode(values, context.stderr, context.env);
  const reporter = createReporter({ mode: mode === "json" ? "plain" : mode, out: context.stderr });
  let result;
  try {
    result = await build({ ...chosen, reporter, signal: context.signal });
  } finally {
    reporter.close();
  }
  const published = result.published!;
  const engine = engineFor(context);
  const recipe = await runnerRecipe(result.config);
  const { pullToolImageIfCached } = await import("../remote-cache/images.js");
  await pullToolImageIfCached(recipe, { engine, env: context.env, config: result.config, log: (text) => onEvent({ type: "note", text }), signal: context.signal });
  await ensureImage(engine, recipe, {
    onBuildStart: () => onEvent({ type: "note", text: `building QEMU runner image ${recipe.tag} (once)` }),
    signal: context.signal,
  });
  const accel = await chooseAccelerator({
    engine,
    requested,
    runnerImage: recipe.tag,
    canaryKernel: published.bzImage,
    cacheRoot: cacheRoot(context.env),
    onEvent,
    signal: context.signal,
  });
  const boot: VmBootFiles =
    values.append === undefined
      ? { kind: "iso", iso: published.iso }
      : { kind: "kernel", kernel: published.bzImage, initramfs: published.initramfs, append: `${result.config.kernel.cmdline} ${values.append}`.trim() };
  return {
    engine,
    config: result.config,
    accel,
    vm: {
      runnerImage: recipe.tag,
      boot,
      accel: accel.accel,
      memory: values.memory ?? result.config.vm.memory,
      cpus: cpus ?? result.config.vm.cpus,
      uefi: values.uefi === true,
      ...(values.disk === undefined ? {} : { disk: values.disk }),
      network,
      forwards,
    },
  };
}
