// What a failed read of a file the user named found there, in the words the tool's "expected X, got Y" errors use.

/** "no such file", "a file it may not read", "a directory", or the error's code (its message without one). */
export function readErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "a file it may not read";
  if (code === "EISDIR") return "a directory";
  return code ?? String(error);
}
