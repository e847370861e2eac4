// The two ways getting a pinned source fails, worded so the user knows what to do next.
import type { SourcePin } from "../config/types.js";
import { UserError } from "../errors/errors.js";

/** One place that was tried and why it did not give the file. */
export interface SourceAttempt {
  /** A mirror path or a URL. */
  readonly where: string;
  readonly reason: string;
}

/** A file was found (mirror) or received (URL) but its bytes are not the pinned ones. */
export function sha256MismatchError(
  pin: SourcePin,
  from: { kind: "mirror" | "site" | "url"; where: string },
  actual: string,
  earlier: readonly SourceAttempt[],
): UserError {
  const hint =
    from.kind === "mirror"
      ? `${from.where} is not the file sources.${pin.name} pins (version ${pin.version}): replace it or remove it`
      : from.kind === "site"
        ? `the mirror site serves another file under this name than sources.${pin.name} pins (version ${pin.version}): fix the site`
        : `the server sent other bytes than sources.${pin.name}.sha256 pins: check the pin and the URL`;
  return new UserError(
    `${pin.file} from ${from.where}: sha256 mismatch: expected ${pin.sha256}, got ${actual}`,
    {
      details: [
        hint,
        "nothing was kept: the file was not added to the download cache",
        ...earlier.map((attempt) => `tried before: ${attempt.where}: ${attempt.reason}`),
      ],
    },
  );
}

/** No mirror held the file and no URL delivered it. */
export function sourceNotFoundError(
  pin: SourcePin,
  attempts: readonly SourceAttempt[],
  putItIn: string,
): UserError {
  const details = attempts.map((attempt) => `tried ${attempt.where}: ${attempt.reason}`);
  if (pin.urls.length === 0) details.push(`no URLs are pinned for sources.${pin.name}`);
  details.push(`put ${pin.file} (sha256 ${pin.sha256}) in ${putItIn} and run again`);
  return new UserError(
    `cannot get ${pin.file} (sources.${pin.name}, sha256 ${pin.sha256}): ` +
      `not in any mirror and no URL delivered it; put it in ${putItIn}`,
    { details },
  );
}

/** The pin's file name and hash become path components: refuse anything that is not plain. */
export function checkPinShape(pin: SourcePin): void {
  const problems: string[] = [];
  if (!/^[0-9a-f]{64}$/.test(pin.sha256)) {
    problems.push(`sources.${pin.name}.sha256: expected 64 lower-case hex digits, got "${pin.sha256}"`);
  }
  if (!/^[^/\\\0]+$/.test(pin.file) || pin.file === "." || pin.file === "..") {
    problems.push(`sources.${pin.name}.file: expected a plain file name, got "${pin.file}"`);
  }
  const [first, ...rest] = problems;
  if (first !== undefined) throw new UserError(first, { details: rest });
}
