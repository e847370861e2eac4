// One error type for everything a registry can refuse, naming the registry and what was refused.
import { UserError } from "../errors/errors.js";

/** auth: no or wrong credentials, or denied; not-found: no such repository or blob; digest: content does not match its digest; network: unreachable; refused: any other answer. */
export type RegistryFailure = "auth" | "not-found" | "digest" | "network" | "refused";

export class RegistryError extends UserError {
  constructor(
    readonly failure: RegistryFailure,
    /** "127.0.0.1:5000/levitate/cache": the repository, never credentials. */
    readonly where: string,
    message: string,
    options: { cause?: unknown; details?: readonly string[] } = {},
  ) {
    super(`registry ${where}: ${message}`, options);
  }
}

/** The registry's own words from an error body ({"errors":[{"code","message"}]}), if any. */
export async function registryMessage(response: Response): Promise<string> {
  try {
    const text = await response.text();
    const parsed = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first !== undefined) return [first.code, first.message].filter(Boolean).join(": ");
    return text.slice(0, 200);
  } catch {
    return "";
  }
}

/** Words for a fetch() that threw: connection refused, unknown host, timeout, TLS. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  if ((error as Error).name === "TimeoutError") return "no answer in time";
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (is the registry running?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not found";
    case "ECONNRESET":
      return "connection reset";
    case "UND_ERR_CONNECT_TIMEOUT":
      return "connection timed out";
    default:
      return cause?.message ?? (error as Error).message;
  }
}
