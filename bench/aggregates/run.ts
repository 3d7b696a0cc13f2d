// bench/aggregates: the aggregates' facts refreshed, and national and département queries answered, on a
// national-scale store, each next to its floor measured in the same run. Run by hand (not in CI):
//   npm run bench:aggregates [-- --establishments 5000 --people 2000000 --connections 8 --seconds 10 --refreshes 2 --changes 5 --keep]
// (DATABASE_URL defaults to the machine's PostgreSQL, database test; BENCH_SCHEMA to bench_aggregates.) See
// bench/aggregates/README.md for what is measured, the floors, and figures.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { aggregatesAnswer } from '../../gateway/aggregates/answer.js';
import { createClient } from '../../gateway/auth/clients.js';
import { parsePerimeterEntry } from '../../gateway/perimeter/perimeter.js';
import { factCells, type Dimension } from '../../gateway/store/aggregates/cells.js';
import { refreshFacts } from '../../gateway/store/aggregates/facts.js';
import { openStore } from '../../gateway/store/db.js';
import { applyBatch } from '../../gateway/store/records.js';
import { school } from '../../test/support/aggregates-world.js';
import { startBuiltGateway, stopProcess } from '../built-gateway.js';
import { cpuPerRequest, sampleCpu } from '../roster/cpu.js';
import { closedLoop, ms, percentile, printTable, type Figures } from '../occupancy/figures.js';
import { runFloor } from '../occupancy/run-floor.js';
import { cellsFloorSql, refreshFloorSql, type FloorDimension } from './floors.js';
import { plan, recordsOf, seedEstablishments, seedRoster, withoutRoster, type PlannedEstablishment } from './seed.js';
import { runBench } from '../run-bench.js';
import { fetchToken } from '../../test/support/clients.js';

const { values: options } = parseArgs({
  options: {
    establishments: { type: 'string', default: '5000' },
    people: { type: 'string', default: '2000000' },
    connections: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '10' },
    refreshes: { type: 'string', default: '2' },
    changes: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const ESTABLISHMENTS = Number(options.establishments);
const PEOPLE = Number(options.people);
const CONNECTIONS = Number(options.connections);
const SECONDS = Number(options.seconds);
const REFRESHES = Number(options.refreshes);
const CHANGES = Number(options.changes);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_aggregates';
const POSTGRES_PORT = Number(new URL(DATABASE_URL).port || 5432);
const PORT = 18_091;
const BASE = `http://127.0.0.1:${PORT}`;
/** Records written per seeding transaction (about). */
const RECORDS_PER_CHUNK = 100_000;
const WARM_UP_SECONDS = 2;

const store = () => openStore({ databaseUrl: DATABASE_URL, databaseSchema: SCHEMA, dataDir: '' });
const pgClient = async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path="${SCHEMA}"` });
  await client.connect();
  return client;
};

interface Query {
  readonly label: string;
  readonly territory: string;
  readonly by: readonly (Dimension & FloorDimension)[];
  readonly floor: { sql: string; parameters: unknown[] };
}

async function dropSchema(): Promise<void> {
  const admin = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: 'public', dataDir: '' });
  await admin.db.schema.dropSchema(SCHEMA).ifExists().cascade().execute();
  await admin.close();
}

/**
 * The planned store, seeded; with --keep, reused when it is there at this size, else completed (what a seed
 * stopped midway left: each establishment's roster is written in one transaction, whole or not at all).
 */
async function seed(planned: readonly PlannedEstablishment[]): Promise<{ seconds?: number; records: number; bytes: number }> {
  const records = planned.reduce((n, e) => n + recordsOf(e), 0);
  if (options.keep && (await storedRecords()) === records) {
    console.log(`seed: reusing schema ${SCHEMA} (${records.toLocaleString('en')} roster records)`);
    return { records, bytes: await rosterBytes() };
  }
  if (!options.keep) await dropSchema();
  const bench = await store();
  const start = performance.now();
  try {
    await bench.migrate();
    console.log(`seed: ${planned.length} establishments through putEstablishment (those not stored yet)...`);
    await seedEstablishments(bench.db, planned);
    const left = await withoutRoster(bench.db, planned);
    const leftRecords = left.reduce((n, e) => n + recordsOf(e), 0);
    console.log(`seed: establishments in ${((performance.now() - start) / 1000).toFixed(0)} s; ` +
      `${leftRecords.toLocaleString('en')} roster records by INSERT … SELECT generate_series...`);
    let done = 0;
    for (let first = 0; first < left.length;) {
      let last = first;
      let chunkRecords = 0;
      while (last < left.length && (chunkRecords < RECORDS_PER_CHUNK || last === first)) chunkRecords += recordsOf(left[last++]);
      done += await seedRoster(bench.db, left.slice(first, last));
      first = last;
      const elapsed = (performance.now() - start) / 1000;
      process.stdout.write(`\r  ${done.toLocaleString('en')} / ${leftRecords.toLocaleString('en')} records, ${elapsed.toFixed(0)} s   `);
    }
    console.log();
    // As autovacuum would soon after such a load: the planner's statistics and the visibility map.
    await sql`vacuum analyze`.execute(bench.db);
  } finally {
    await bench.close();
  }
  return { seconds: (performance.now() - start) / 1000, records, bytes: await rosterBytes() };
}

async function storedRecords(): Promise<number> {
  const client = await pgClient();
  try {
    return Number((await client.query<{ n: string }>('select count(*) as n from roster_record')).rows[0].n);
  } catch {
    return -1;
  } finally {
    await client.end();
  }
}

async function rosterBytes(): Promise<number> {
  const client = await pgClient();
  try {
    return Number((await client.query<{ n: string }>(`select pg_total_relation_size('roster_record') as n`)).rows[0].n);
  } finally {
    await client.end();
  }
}

interface RefreshFigures {
  full: number[];
  fullFloor: number[];
  /** Rows where the floor's numbers and the refreshed facts differ (0: they compute the same). */
  mismatches: number;
  incremental: number[];
  incrementalFloor: number[];
}

/** Full refreshes (the position reset so that every establishment is recomputed), then refreshes after one change. */
async function refreshes(planned: readonly PlannedEstablishment[]): Promise<RefreshFigures> {
  const bench = await store();
  const client = await pgClient();
  const figures: RefreshFigures = { full: [], fullFloor: [], mismatches: 0, incremental: [], incrementalFloor: [] };
  try {
    for (let i = 0; i < REFRESHES; i += 1) {
      await sql`update aggregate_refresh set seq = -1 where id = 1`.execute(bench.db);
      let start = performance.now();
      const outcome = await refreshFacts(bench.db);
      figures.full.push(performance.now() - start);
      start = performance.now();
      await client.query(refreshFloorSql(false));
      figures.fullFloor.push(performance.now() - start);
      console.log(`  full refresh ${i + 1}: ${outcome.establishments} establishments in ${ms(figures.full[i])}; floor ${ms(figures.fullFloor[i])}`);
    }
    const { rows: [check] } = await client.query<{ n: string }>(`
      select count(*) as n from (${refreshFloorSql(false)}) fl full join establishment_fact f on f.uai = fl.uai
      where (fl.pupils, fl.teachers, fl.divisions, fl.divisions_with_pupils, fl.pupils_in_divisions, fl.pupils_by_level)
        is distinct from (f.pupils, f.teachers, f.divisions, f.divisions_with_pupils, f.pupils_in_divisions, f.pupils_by_level)`);
    figures.mismatches = Number(check.n);
    for (let i = 0; i < CHANGES; i += 1) {
      // One more class of 3 pupils in one establishment (written, not timed), then the refresh that follows.
      const changed = planned[(i * 997) % planned.length];
      await applyBatch(bench.db, changed.uai, school(3, changed.levels[0], 0) as never);
      let start = performance.now();
      const outcome = await refreshFacts(bench.db);
      figures.incremental.push(performance.now() - start);
      if (outcome.establishments !== 1) throw new Error(`the refresh after one change recomputed ${outcome.establishments} establishments`);
      start = performance.now();
      await client.query(refreshFloorSql(true), [[changed.uai]]);
      figures.incrementalFloor.push(performance.now() - start);
    }
    return figures;
  } finally {
    await client.end();
    await bench.close();
  }
}

/** A token of the bench's client from the gateway's token endpoint. */
const tokenFor = async (clientId: string, secret: string): Promise<string> => (await fetchToken(BASE, clientId, secret)).access_token;

const urlOf = (q: Query) => `${BASE}/v1/aggregates/pupils?territory=${q.territory}${q.by.length ? `&by=${q.by.join(',')}` : ''}`;

/** CONNECTIONS clients asking the gateway `q` one request after the other, for SECONDS after a warm-up. */
async function loadGateway(q: Query, token: string, gateway: ChildProcess, admin: pg.Pool): Promise<Figures & { cells: number }> {
  let errors = 0;
  let cells = 0;
  const round = async () => {
    const response = await fetch(urlOf(q), { headers: { authorization: `Bearer ${token}` } });
    const body = await response.text();
    if (response.status !== 200) errors += 1;
    else cells = (JSON.parse(body) as { cells: unknown[] }).cells.length;
  };
  await closedLoop(CONNECTIONS, WARM_UP_SECONDS, round);
  const before = await sampleCpu(gateway.pid!, admin, POSTGRES_PORT);
  const latencies = await closedLoop(CONNECTIONS, SECONDS, round);
  const cpu = cpuPerRequest(before, await sampleCpu(gateway.pid!, admin, POSTGRES_PORT), latencies.length);
  return { rps: latencies.length / SECONDS, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors, cpu, cells };
}

interface Stages { sqlMs: number; answerMs: number; jsonMs: number; cells: number }

/** Where a query's time goes in the gateway's own code, in this process: the cells' SQL, suppression, JSON (median of 5). */
async function stagesOf(q: Query): Promise<Stages> {
  const bench = await store();
  try {
    const territory = parsePerimeterEntry(q.territory);
    const taken: Stages[] = [];
    for (let run = 0; run <= 5; run += 1) {
      const t0 = performance.now();
      const cells = await factCells(bench.db, territory, q.by);
      const t1 = performance.now();
      const answer = aggregatesAnswer('pupils', { territory: q.territory, by: q.by, threshold: 10 }, { cells, freshAt: new Date() });
      const t2 = performance.now();
      JSON.stringify(answer);
      const t3 = performance.now();
      if (run > 0) taken.push({ sqlMs: t1 - t0, answerMs: t2 - t1, jsonMs: t3 - t2, cells: cells.length });
    }
    const median = (pick: (s: Stages) => number) => percentile(taken.map(pick), 0.5);
    return { sqlMs: median((s) => s.sqlMs), answerMs: median((s) => s.answerMs), jsonMs: median((s) => s.jsonMs), cells: taken[0].cells };
  } finally {
    await bench.close();
  }
}

async function main(): Promise<void> {
  console.log(`bench/aggregates: ${ESTABLISHMENTS} establishments, ~${PEOPLE.toLocaleString('en')} people; ${os.cpus().length} cores (shared: figures are noisy)`);
  const planned = plan(ESTABLISHMENTS, PEOPLE);
  const seeded = await seed(planned);
  console.log('refresh: full, then after one change...');
  const refresh = await refreshes(planned);

  const departement = planned[0].departementCode;
  const queries: Query[] = [
    { label: 'national by région', territory: 'national', by: ['region'], floor: { sql: cellsFloorSql('national', ['region']), parameters: [] } },
    { label: 'national by département × level', territory: 'national', by: ['departement', 'level'], floor: { sql: cellsFloorSql('national', ['departement', 'level']), parameters: [] } },
    { label: `département ${departement} by commune`, territory: `departement:${departement}`, by: ['commune'], floor: { sql: cellsFloorSql({ column: 'departement_code' }, ['commune']), parameters: [departement] } },
  ];
  const bench = await store();
  const { client, clientSecret } = await createClient(bench.db, { name: 'bench aggregates', scopes: ['aggregates.read'], perimeter: ['national'] });
  await bench.close();
  const gateway = await startBuiltGateway({
    databaseUrl: DATABASE_URL, schema: SCHEMA, port: PORT, attempts: 150,
    // The bench refreshes the facts itself: a refresh of the server's during a measure would be measured with it.
    env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', AGGREGATES_REFRESH_SECONDS: '0' },
  });
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const measured: { q: Query; gateway: Figures & { cells: number }; floor: Figures & { rows: number } }[] = [];
  try {
    const token = await tokenFor(client.clientId, clientSecret!);
    for (const q of queries) {
      console.log(`GET ${urlOf(q).slice(BASE.length)}, ${CONNECTIONS} clients, ${SECONDS} s; then its floor...`);
      const figures = await loadGateway(q, token, gateway, admin);
      const floor = await runFloor({
        mode: 'load', databaseUrl: DATABASE_URL, schema: SCHEMA, statements: [q.floor], connections: CONNECTIONS,
        seconds: SECONDS, warmUpSeconds: WARM_UP_SECONDS, requests: 0,
      });
      measured.push({ q, gateway: figures, floor });
    }
  } finally {
    await stopProcess(gateway);
    await admin.end();
  }
  console.log('where the time goes, in this process (median of 5)...');
  const stages: Stages[] = [];
  for (const q of queries) stages.push(await stagesOf(q));

  report(planned, seeded, refresh, measured, stages);
  const out = path.join('bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, `aggregates-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify({ establishments: ESTABLISHMENTS, seeded, refresh, measured, stages }, null, 2));
}

function report(planned: readonly PlannedEstablishment[], seeded: Awaited<ReturnType<typeof seed>>, refresh: RefreshFigures,
  measured: { q: Query; gateway: Figures & { cells: number }; floor: Figures & { rows: number } }[], stages: Stages[]): void {
  const pupils = planned.reduce((n, e) => n + e.pupils, 0);
  const teachers = planned.reduce((n, e) => n + e.teachers, 0);
  const range = (values: number[]) => (values.length > 1 ? `${ms(Math.min(...values))} – ${ms(Math.max(...values))}` : ms(values[0]));
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
  const median = (values: number[]) => percentile(values, 0.5);
  const cpu = (f: Figures) => (f.cpu ? `${f.cpu.serverMs.toFixed(1)} Node + ${f.cpu.postgresMs.toFixed(1)} PG ms` : '');
  console.log(`\n${planned.length.toLocaleString('en')} establishments, ${pupils.toLocaleString('en')} pupils + ${teachers.toLocaleString('en')} teachers; ` +
    `${seeded.records.toLocaleString('en')} roster records (${(seeded.bytes / 2 ** 30).toFixed(2)} GiB with indexes)` +
    `${seeded.seconds ? `, seeded in ${seeded.seconds.toFixed(0)} s` : ', reused'}; ${os.cpus().length} cores shared with other sessions`);
  console.log(`the floor's facts and the refreshed facts differ on ${refresh.mismatches} establishments\n`);
  printTable([
    ['', 'gateway', 'floor (bare SQL)', 'ratio'],
    [`full refresh (${REFRESHES} runs)`, range(refresh.full), range(refresh.fullFloor), ratio(median(refresh.full), median(refresh.fullFloor))],
    [`refresh after one change, p50 / max (${CHANGES})`, `${ms(median(refresh.incremental))} / ${ms(Math.max(...refresh.incremental))}`,
      `${ms(median(refresh.incrementalFloor))} / ${ms(Math.max(...refresh.incrementalFloor))}`, ratio(median(refresh.incremental), median(refresh.incrementalFloor))],
    ...measured.flatMap(({ q, gateway, floor }) => [
      [`${q.label}, p50 / p99`, `${ms(gateway.p50)} / ${ms(gateway.p99)}`, `${ms(floor.p50)} / ${ms(floor.p99)}`, `${ratio(gateway.p99, floor.p99)} p99`],
      ['  requests/s; cells; errors', `${gateway.rps.toFixed(1)}/s; ${gateway.cells} cells; ${gateway.errors}`, `${floor.rps.toFixed(1)}/s; ${floor.rows} rows`, ''],
      ['  CPU per request', cpu(gateway), cpu(floor), ''],
    ]),
  ], [48, 34, 30, 10]);
  console.log(`(${CONNECTIONS} clients each, ${SECONDS} s after ${WARM_UP_SECONDS} s of warm-up; the floors through a pool of 20 in a process of their own)`);
  console.log('\nwhere a query\'s time goes in the gateway\'s code (in-process, no HTTP, median of 5):');
  printTable([
    ['', 'cells SQL (factCells)', 'suppression (answer)', 'JSON.stringify', 'cells'],
    ...measured.map(({ q }, i) => [q.label, ms(stages[i].sqlMs), ms(stages[i].answerMs), ms(stages[i].jsonMs), String(stages[i].cells)]),
  ], [48, 24, 24, 18, 8]);
}

runBench(main, { keep: options.keep, schema: SCHEMA, dropSchema });
