// Docker's HTTP statuses mapped to our meaning in one place: "missing" is a value, a clash is a UserError.
import { UserError } from "../errors/errors.js";

export function statusOf(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "statusCode" in error
    ? (error as { statusCode?: number }).statusCode
    : undefined;
}

/** The call's value, or null when the engine answers 404 (no such image, volume, container or path). */
export async function orNullIfMissing<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * Runs an idempotent request (remove, stop, kill) where "already gone" (404), "not modified" (304,
 * already stopped) and "conflict" (409, not running) mean the wanted state already holds.
 */
export async function idempotent(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    const status = statusOf(error);
    if (status !== 404 && status !== 304 && status !== 409) throw error;
  }
}

/** Errors of creating a container that the user can act on. */
export function createError(error: unknown, spec: { readonly image: string; readonly name?: string }): unknown {
  if (statusOf(error) === 404) return new UserError(`image ${spec.image} is not on the engine`, { cause: error });
  if (statusOf(error) === 409) return new UserError(`a container named ${spec.name} already exists`, { cause: error });
  return error;
}
