// bench/scale: the roster page (bench/roster's 100-person page) with one gateway process and with two, separate
// processes on the same PostgreSQL and Redis with the load spread evenly over them, each next to its floor: as
// many of bench/roster's floor servers (a), the gateway's own statements for the page replayed by a bare node:http
// server. With --replica, the same again with the gateways' reads (and the floors' page) on a streaming replica.
// Run by hand (not in CI): see bench/scale/README.md.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startBuiltGateway, stopProcess } from '../built-gateway.js';
import { cpuPerRequest, sampleCpu, type CpuSample } from '../roster/cpu.js';
import { capturedStatements, startFloor } from '../roster/floor.js';
import type { FloorSpec } from '../roster/floor-server.js';
import { seedRoster } from '../roster/seed.js';
import { load, type LoadOptions, type Measure } from './load.js';
import { startStreamingReplica } from '../../test/support/streaming-replica.js';
import { fetchToken } from '../../test/support/clients.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_scale';
const SIZE = { establishments: Number(process.env.BENCH_ESTABLISHMENTS ?? 200), people: Number(process.env.BENCH_PEOPLE ?? 100_000) };
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const GATEWAY_PORTS = [18_180, 18_181];
const FLOOR_PORTS = [18_182, 18_183];
/** The gateway at least this share of its floor with as many processes, as bench/roster asks of one. */
const FLOOR_SHARE = 0.8;

/** Where the gateways' data is: one PostgreSQL, or a primary and a streaming replica for reads. */
interface Deployment {
  readonly label: string;
  readonly databaseUrl: string;
  readonly readUrl?: string;
}

interface Figures extends Measure { cpu: { serverMs: number; postgresMs: number } }
interface Row { deployment: string; processes: number; gateway: Figures; floor: Figures }

/** Each PostgreSQL server of a deployment, to find the backends serving a process (their CPU, from /proc). */
function clustersOf(deployment: Deployment): { admin: pg.Pool; port: number }[] {
  return [deployment.databaseUrl, deployment.readUrl].filter((url): url is string => url !== undefined)
    .map((url) => ({ admin: new pg.Pool({ connectionString: url, max: 1 }), port: Number(new URL(url).port || 5432) }));
}

async function sampleAll(pids: readonly number[], clusters: ReturnType<typeof clustersOf>): Promise<CpuSample> {
  const total: CpuSample = { server: 0, backends: new Map() };
  for (const pid of pids) {
    for (const [i, cluster] of clusters.entries()) {
      const sample = await sampleCpu(pid, cluster.admin, cluster.port);
      if (i === 0) total.server += sample.server;
      for (const [backend, seconds] of sample.backends) total.backends.set(backend, seconds);
    }
  }
  return total;
}

/** A warm-up (JIT, pools, caches), then the measure, with the CPU each request cost the servers and their backends. */
async function measured(options: LoadOptions, servers: readonly ChildProcess[], clusters: ReturnType<typeof clustersOf>): Promise<Figures> {
  await load({ ...options, seconds: 2 });
  const pids = servers.map((server) => server.pid!);
  const before = await sampleAll(pids, clusters);
  const figures = await load(options);
  return { ...figures, cpu: cpuPerRequest(before, await sampleAll(pids, clusters), figures.requests) };
}

/** Waits until the replica has replayed everything the primary has written so far. */
async function caughtUp(primaryUrl: string, replicaUrl: string): Promise<void> {
  const primary = new pg.Client({ connectionString: primaryUrl });
  const replica = new pg.Client({ connectionString: replicaUrl });
  await Promise.all([primary.connect(), replica.connect()]);
  try {
    const { rows: [{ lsn }] } = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    for (;;) {
      const { rows: [{ behind }] } = await replica.query<{ behind: boolean }>('select pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()) > 0 as behind', [lsn]);
      if (!behind) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await Promise.all([primary.end(), replica.end()]);
  }
}

async function measureDeployment(deployment: Deployment): Promise<Row[]> {
  const { clientId, clientSecret, busiest } = await seedRoster(deployment.databaseUrl, SCHEMA, SIZE);
  if (deployment.readUrl) await caughtUp(deployment.databaseUrl, deployment.readUrl);
  const statements = await capturedStatements(deployment.readUrl ?? deployment.databaseUrl, SCHEMA, busiest.uai, clientId);
  const clusters = clustersOf(deployment);
  const publicUrl = `http://127.0.0.1:${GATEWAY_PORTS[0]}`;
  const rows: Row[] = [];
  try {
    for (const processes of [1, 2]) {
      const gateways = await Promise.all(GATEWAY_PORTS.slice(0, processes).map((port) => startBuiltGateway({
        databaseUrl: deployment.databaseUrl, schema: SCHEMA, port,
        // One deployment: the same token issuer, store and Redis prefix for every process.
        env: { PUBLIC_URL: publicUrl, REDIS_URL, QUEUE_PREFIX: SCHEMA, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', ...(deployment.readUrl ? { DATABASE_READ_URL: deployment.readUrl } : {}) },
      })));
      try {
        const token = (await fetchToken(publicUrl, clientId, clientSecret)).access_token;
        const pagePath = `/v1/establishments/${busiest.uai}/people?limit=100`;
        const check = await fetch(`${publicUrl}${pagePath}`, { headers: { authorization: `Bearer ${token}` } });
        const body = await check.text();
        if (check.status !== 200) throw new Error(`page answered ${check.status}: ${body}`);
        if (processes === 1) console.log(`${deployment.label}: ${pagePath} (${busiest.people} people there, ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB)`);
        const gateway = await measured({
          urls: GATEWAY_PORTS.slice(0, processes).map((port) => `http://127.0.0.1:${port}${pagePath}`),
          connections: CONNECTIONS, seconds: SECONDS, headers: { authorization: `Bearer ${token}` },
        }, gateways, clusters);
        await Promise.all(gateways.map(stopProcess));
        const floors = await Promise.all(FLOOR_PORTS.slice(0, processes).map((port) => startFloor(floorSpec(deployment, port, statements, body))));
        try {
          const floor = await measured({ urls: FLOOR_PORTS.slice(0, processes).map((port) => `http://127.0.0.1:${port}/`), connections: CONNECTIONS, seconds: SECONDS }, floors, clusters);
          rows.push({ deployment: deployment.label, processes, gateway, floor });
          console.log(`  ${processes} process(es): gateway ${line(gateway)}; floor ${line(floor)}`);
        } finally {
          await Promise.all(floors.map(stopProcess));
        }
      } finally {
        await Promise.all(gateways.map(stopProcess));
      }
    }
  } finally {
    await Promise.all(clusters.map((cluster) => cluster.admin.end()));
  }
  return rows;
}

function floorSpec(deployment: Deployment, port: number, statements: Pick<FloorSpec, 'page' | 'oneByOne' | 'audit'>, body: string): FloorSpec {
  return {
    mode: 'statements', databaseUrl: deployment.databaseUrl, readDatabaseUrl: deployment.readUrl, schema: SCHEMA, port, ...statements, body,
    changeCursor: (JSON.parse(body) as { changeCursor: string }).changeCursor,
  };
}

const line = (f: Figures) => `${f.rps.toFixed(0)}/s p50 ${f.p50.toFixed(1)} ms p99 ${f.p99.toFixed(1)} ms cpu ${f.cpu.serverMs.toFixed(2)}+${f.cpu.postgresMs.toFixed(2)} ms, ${f.errors} errors`;

function report(rows: readonly Row[]): void {
  const cell = (text: string, width = 22) => text.padEnd(width);
  console.log(`\n${CONNECTIONS} connections spread over the processes, ${SECONDS} s per measure, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log([cell('', 40), cell('gateway'), cell('p50 / p99'), cell('floor (a)'), cell('p50 / p99'), cell('gateway / floor'), cell('CPU/req gateway', 24), 'CPU/req floor (Node + PG)'].join(''));
  for (const row of rows) {
    console.log([
      cell(`${row.deployment}, ${row.processes} process${row.processes > 1 ? 'es' : ''}`, 40),
      cell(`${row.gateway.rps.toFixed(0)} req/s`), cell(`${row.gateway.p50.toFixed(1)} / ${row.gateway.p99.toFixed(1)} ms`),
      cell(`${row.floor.rps.toFixed(0)} req/s`), cell(`${row.floor.p50.toFixed(1)} / ${row.floor.p99.toFixed(1)} ms`),
      cell(`${((row.gateway.rps / row.floor.rps) * 100).toFixed(1)} % ${row.gateway.rps >= FLOOR_SHARE * row.floor.rps ? 'MET' : 'NOT MET'}`),
      cell(`${row.gateway.cpu.serverMs.toFixed(2)} + ${row.gateway.cpu.postgresMs.toFixed(2)} ms`, 24),
      `${row.floor.cpu.serverMs.toFixed(2)} + ${row.floor.cpu.postgresMs.toFixed(2)} ms`,
    ].join(''));
  }
  for (const deployment of new Set(rows.map((row) => row.deployment))) {
    const [one, two] = [1, 2].map((n) => rows.find((row) => row.deployment === deployment && row.processes === n)!);
    const gain = (f: 'gateway' | 'floor') => two[f].rps / one[f].rps;
    console.log(`${deployment}: two processes serve ${gain('gateway').toFixed(2)}x one (the floor ${gain('floor').toFixed(2)}x); target: the gateway's gain at least ${FLOOR_SHARE * 100} % of the floor's: ${gain('gateway') >= FLOOR_SHARE * gain('floor') ? 'MET' : 'NOT MET'}`);
  }
  console.log(`targets: the gateway at least ${FLOOR_SHARE * 100} % of the floor with as many processes (bench/roster's target for one)`);
}

async function main(): Promise<void> {
  const rows = await measureDeployment({ label: 'one PostgreSQL', databaseUrl: DATABASE_URL });
  if (process.argv.includes('--replica')) {
    const pair = await startStreamingReplica();
    try {
      rows.push(...await measureDeployment({ label: 'reads on a replica', databaseUrl: pair.primaryUrl, readUrl: pair.replicaUrl }));
    } finally {
      await pair.stop();
    }
  }
  report(rows);
  const out = path.join('bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify({ connections: CONNECTIONS, seconds: SECONDS, size: SIZE, loadAverage: os.loadavg(), rows }, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
