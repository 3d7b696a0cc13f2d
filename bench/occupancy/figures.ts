// bench/occupancy (and bench/aggregates): what a measure gives (throughput, latency percentiles), a closed loop of
// clients to take it, and how its lines are printed.

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

/**
 * `connections` loops each repeating `round` for `seconds`, one after the other within a loop (a closed loop,
 * as clients waiting for their answer): the milliseconds of every round.
 */
export async function closedLoop(connections: number, seconds: number, round: () => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < until) {
      const start = performance.now();
      await round();
      latencies.push(performance.now() - start);
    }
  }));
  return latencies;
}

export const ms = (value: number): string => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`);

/** A table of fixed-width columns (the first wider), as the other benches print theirs. */
export function printTable(rows: readonly (readonly string[])[], widths: readonly number[]): void {
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('').trimEnd());
}
