// bench/occupancy's floors: the statements the gateway sends to read rooms and busy intervals, replayed through
// a bare pg pool the size of the gateway's (gateway/store/db.ts), in a process of its own as the gateway is.
// Run by bench/occupancy/run.ts: `tsx bench/occupancy/floor.ts <spec.json>`; prints its figures as the last line.
//   load      `connections` loops each sending the statements (together, as the gateway does) for `seconds`,
//             after a warm-up: requests/s, p50 and p99 of one round;
//   sequence  the statements `requests` times, one round after the other: p50 and p99.
import fs from 'node:fs';
import pg from 'pg';
import { cpuPerRequest, sampleCpu } from '../roster/cpu.js';
import { closedLoop, percentile, type Figures } from './figures.js';

export interface Statement { sql: string; parameters: readonly unknown[] }

export interface FloorSpec {
  mode: 'load' | 'sequence';
  databaseUrl: string;
  schema: string;
  statements: Statement[];
  connections: number;
  seconds: number;
  warmUpSeconds: number;
  requests: number;
}

const POOL_SIZE = 20; // as gateway/store/db.ts

async function main(): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as FloorSpec;
  const pool = new pg.Pool({ connectionString: spec.databaseUrl, max: POOL_SIZE, options: `-c search_path="${spec.schema}"` });
  let rows = 0;
  const round = async () => {
    const results = await Promise.all(spec.statements.map((s) => pool.query(s.sql, s.parameters as unknown[])));
    rows = results.reduce((n, r) => n + r.rows.length, 0);
  };
  try {
    const figures = spec.mode === 'load' ? await load(spec, round) : await sequence(spec.requests, round);
    process.stdout.write(`${JSON.stringify({ ...figures, rows })}\n`);
  } finally {
    await pool.end();
  }
}

async function load(spec: FloorSpec, round: () => Promise<void>): Promise<Figures> {
  const run = (seconds: number) => closedLoop(spec.connections, seconds, round);
  await run(spec.warmUpSeconds);
  // The CPU this process and its PostgreSQL backends use per round, as bench/roster/cpu.ts reads it for the gateway.
  const admin = new pg.Pool({ connectionString: spec.databaseUrl, max: 1 });
  const port = Number(new URL(spec.databaseUrl).port || 5432);
  try {
    const before = await sampleCpu(process.pid, admin, port);
    const latencies = await run(spec.seconds);
    const cpu = cpuPerRequest(before, await sampleCpu(process.pid, admin, port), latencies.length);
    return { rps: latencies.length / spec.seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors: 0, cpu };
  } finally {
    await admin.end();
  }
}

async function sequence(requests: number, round: () => Promise<void>): Promise<Figures> {
  await round(); // warm-up: connections, plans, caches
  const latencies: number[] = [];
  for (let i = 0; i < requests; i += 1) {
    const start = performance.now();
    await round();
    latencies.push(performance.now() - start);
  }
  return { rps: 1000 / percentile(latencies, 0.5), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors: 0 };
}

if (process.argv[2]) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
