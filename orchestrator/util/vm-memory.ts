// Memory sizes ("256M", "1G", "4G") as the config and --memory write them: checked once where they enter, trusted after.
/** What a VM memory size must look like, for messages. */
export const VM_MEMORY_FORMAT = "a memory size like 256M or 1G";

/** The form, for schemas (the config's JSON Schema shows it as a pattern). */
export const VM_MEMORY_PATTERN = /^[1-9][0-9]*[MG]$/;

/** The problem with `text` as a guest memory size, or null when QEMU can take it as it is. */
export function vmMemoryProblem(text: string): string | null {
  return VM_MEMORY_PATTERN.test(text) ? null : `expected ${VM_MEMORY_FORMAT}, got ${JSON.stringify(text)}`;
}
