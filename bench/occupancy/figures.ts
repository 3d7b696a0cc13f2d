// bench/occupancy: what a measure gives (throughput, latency percentiles) and how its lines are printed.

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU milliseconds per request, in the server and in its PostgreSQL backends (bench/roster/cpu.ts). */
  cpu?: { serverMs: number; postgresMs: number };
}

/** The nearest-rank percentile (`q` from 0 to 1) of some milliseconds. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const ms = (value: number): string => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`);

/** A table of fixed-width columns (the first wider), as the other benches print theirs. */
export function printTable(rows: readonly (readonly string[])[], widths: readonly number[]): void {
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('').trimEnd());
}
