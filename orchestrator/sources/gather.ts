// Gets every source a build needs before any stage runs; all that cannot be had are reported at once.
import type { SourcePin } from "../config/types.js";
import { UserError } from "../errors/errors.js";
import { ensureSource } from "./ensure-source.js";
import type { EnsureSourceOptions } from "./ensure-source.js";

export interface GatheredSource {
  readonly pin: SourcePin;
  /** The verified file in the download cache. */
  readonly path: string;
  /** Where its bytes came from this time: "cache", a mirror file, or a URL. */
  readonly from: string;
}

/**
 * Runs ensureSource for each pin (one after another: the downloads share one link), and
 * goes on after a failure so that one error can name every source that is missing or
 * wrong, each with where to put it. Resolves with every source, in the given order.
 * An abort is not collected: it rejects at once.
 */
export async function gatherSources(
  pins: readonly SourcePin[],
  options: EnsureSourceOptions & {
    /** What the failure stopped, said after the list (default "nothing was built"; `fetch` builds nothing anyway). */
    readonly stopped?: string;
  },
): Promise<GatheredSource[]> {
  const gathered: GatheredSource[] = [];
  const failed: { pin: SourcePin; error: UserError }[] = [];
  for (const pin of unique(pins)) {
    let from = "cache";
    try {
      const path = await ensureSource(pin, {
        ...options,
        onProgress: (event) => {
          if (event.phase !== "verify") from = event.from;
          options.onProgress?.(event);
        },
      });
      gathered.push({ pin, path, from });
    } catch (error) {
      options.signal?.throwIfAborted();
      if (!(error instanceof UserError)) throw error;
      failed.push({ pin, error });
    }
  }
  if (failed.length === 0) return gathered;
  const total = unique(pins).length;
  const names = failed.map(({ pin }) => `sources.${pin.name} (${pin.file})`).join(", ");
  throw new UserError(
    `${failed.length} of ${total} source${total === 1 ? "" : "s"} cannot be had: ${names}; ${options.stopped ?? "nothing was built"}`,
    {
      details: failed.flatMap(({ pin, error }) => [
        `sources.${pin.name}: ${error.message}`,
        ...error.details.map((line) => `  ${line}`),
      ]),
    },
  );
}

/** Two stages can build from the same source key: fetch it once. */
function unique(pins: readonly SourcePin[]): SourcePin[] {
  const seen = new Map<string, SourcePin>();
  for (const pin of pins) if (!seen.has(pin.name)) seen.set(pin.name, pin);
  return [...seen.values()];
}
