// Turns a serial transcript into a stable text: what init and OpenRC said, without times, addresses or pids.

const PROMPT = /^[^\s#]*[@:][^\s]*# ?$/;
const STATUS_ONLY = /^\s*\[ (ok|!!) \]$/;
/** Kernel messages that can land in the middle of a userspace line before dmesg quiets the console. */
const KERNEL_TAIL = /(\[\s*\d+\.\d+\]|input: |random: |clocksource: |rtc_cmos |Freeing |EXT4-fs |virtio_|ACPI: ).*$/;

/**
 * Keeps the lines userspace prints while booting (OpenRC's banner and its " * ..." lines, up to
 * the first shell prompt) and drops the kernel's own lines, whose timing, addresses and order
 * vary from boot to boot. Numbers that vary (pids, addresses, durations) are replaced, and a
 * status ("[ ok ]") pushed to the next line by a kernel message is joined back.
 */
export function normaliseBootLog(transcript: string): string {
  const lines = transcript
    .replace(/\r/g, "")
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
    .split("\n")
    .map((line) => line.replace(/\s+$/, ""));
  const kept: string[] = [];
  for (const line of lines) {
    if (PROMPT.test(line)) break;
    if (STATUS_ONLY.test(line) && kept.length > 0 && kept[kept.length - 1]!.endsWith(" ...")) {
      kept[kept.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const trimmed = line.trimStart();
    if (!/^\* /.test(trimmed) && !/^OpenRC \S+ is starting up/.test(trimmed)) continue;
    const userspace = (/^\* /.test(trimmed) ? ` ${trimmed}` : trimmed).replace(KERNEL_TAIL, "").replace(/\s+$/, "");
    kept.push(
      userspace
        .replace(/\b0x[0-9a-f]+\b/gi, "0xADDR")
        .replace(/\[\s*\d+\]/g, "[PID]")
        .replace(/\b\d+(\.\d+)?\s?(ms|s|MHz|kB|KiB|MiB)\b/g, "N$2")
        .replace(/ \.\.\.\s*\[ (ok|!!) \]$/, " ... [ $1 ]"),
    );
  }
  return kept.join("\n") + "\n";
}
