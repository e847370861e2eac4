// Builds the toolchain or runner image only when no image has the tag its content hashes to.
import { InterruptedError, UserError } from "../errors/errors.js";
import type { Engine } from "../docker/types.js";
import type { ImageRecipe } from "./recipes.js";

export interface EnsureImageOptions {
  readonly onLog?: (line: string) => void;
  readonly onBuildStart?: () => void;
  readonly signal?: AbortSignal;
}

/** Returns the image id; builds (RUN steps get host networking, for the package archive) if absent. */
export async function ensureImage(engine: Engine, recipe: ImageRecipe, options: EnsureImageOptions = {}): Promise<{ id: string; built: boolean }> {
  const existing = await engine.images.id(recipe.tag);
  if (existing !== null) return { id: existing, built: false };
  options.onBuildStart?.();
  try {
    const id = await engine.images.build({
      tag: recipe.tag,
      context: recipe.context,
      dockerfile: recipe.dockerfile,
      buildArgs: recipe.buildArgs,
      labels: {
        "levitate-docker.image": recipe.kind,
        "levitate-docker.key": recipe.key,
        "levitate-docker.flavour": recipe.buildArgs.FLAVOUR ?? "",
        // The install step fails unless the image holds exactly these, so the label is its package list.
        "levitate-docker.lock": recipe.lock.path,
        "levitate-docker.lock-sha256": recipe.lock.sha256,
        "levitate-docker.packages": recipe.lock.pins.length === 0 ? "unlocked" : recipe.lock.pins.map((p) => `${p.name}=${p.version}`).join(" "),
      },
      network: "host",
      ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return { id, built: true };
  } catch (error) {
    if (error instanceof InterruptedError) throw error;
    const base = recipe.buildArgs.BASE ?? "";
    const message = String((error as Error).message);
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(base)?.[1];
    const hint =
      digest !== undefined && /manifest unknown|manifest for .* not found/i.test(message)
        ? [`the registry has no image with the digest toolchain.base pins (${base}): a digest names exact bytes, so check it against the registry (or pin the digest the tag has now)`]
        : /pull access denied|not found|manifest unknown|no such host|dial tcp|TLS handshake/i.test(message) && !base.startsWith("levitate/")
          ? [`the base image ${base} could not be pulled: with no registry access use the offline profile (--profile offline), which builds from a local base image made by scripts/prepare-offline.sh`]
          : [];
    if (error instanceof UserError) throw new UserError(error.message, { cause: error, details: [...hint, ...error.details] });
    throw error;
  }
}
