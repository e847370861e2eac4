// Turns what fetch() throws into a short reason a user can act on ("connection refused").

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
  UND_ERR_BODY_TIMEOUT: "download stalled",
  UND_ERR_SOCKET: "connection closed by the server",
  CERT_HAS_EXPIRED: "TLS certificate expired",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate not trusted",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS certificate is self-signed",
};

/**
 * Node's fetch rejects with `TypeError("fetch failed")` and puts the real reason in
 * `cause` (sometimes an AggregateError from trying several addresses); dig it out.
 */
export function describeFetchError(error: unknown): string {
  const cause = innermostCause(error);
  const code = errorCode(cause) ?? errorCode(firstOfAggregate(cause)) ?? errorCode(error);
  if (code !== null) {
    const reason = REASONS[code];
    const where = address(cause) ?? address(firstOfAggregate(cause));
    const suffix = where === null ? code : `${code} ${where}`;
    return reason === undefined ? `${messageOf(cause)} (${suffix})` : `${reason} (${suffix})`;
  }
  return messageOf(cause);
}

function innermostCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    const next = (current as { cause?: unknown } | null)?.cause;
    if (next === undefined || next === null) break;
    current = next;
  }
  return current;
}

function firstOfAggregate(error: unknown): unknown {
  return error instanceof AggregateError ? error.errors[0] : undefined;
}

function errorCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : null;
}

function address(error: unknown): string | null {
  const e = error as { address?: unknown; port?: unknown } | null | undefined;
  if (typeof e?.address !== "string") return null;
  return typeof e.port === "number" ? `${e.address}:${e.port}` : e.address;
}

function messageOf(error: unknown): string {
  if (error instanceof Error && error.message !== "") return error.message;
  return String(error);
}
