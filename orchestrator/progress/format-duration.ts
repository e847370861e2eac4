// One way to print a duration everywhere: 850ms, 12.3s, 4m12s, 1h05m.

export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.round(Number.isFinite(ms) ? ms : 0));
  if (whole < 1000) return `${whole}ms`;
  const tenths = Math.round(whole / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const seconds = Math.round(whole / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${pad2(seconds % 60)}s`;
  const minutes = Math.round(whole / 60_000);
  return `${Math.floor(minutes / 60)}h${pad2(minutes % 60)}m`;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
