// bench/occupancy: a région's timetables materialised, and its occupancy read, next to their floors. Run by hand
// (not in CI):
//   npm run bench:occupancy [-- --lycees 300 --seconds 10 --connections 50 --repetitions 40 --region-requests 20 --keep]
// (DATABASE_URL defaults to the machine's PostgreSQL, database test.) Seeds, in schema bench_occupancy, --lycees
// lycées of région 84 (300 by default), each with 60 rooms and 1,200 weekly courses valid over the 2026-2027
// school year, then measures in the same run:
//   (a) materialising one lycée's school year: its courses' applyBatch (the transaction writes every occurrence),
//       per lycée and for the whole région, one lycée after the other;
//   (b) re-materialising after one changed course: applyBatch of one course moved by an hour (the whole call),
//       next to the floor: a bare UPDATE of the same occurrences' start and end through pg;
//   (c) one lycée's week of occupancy over HTTP (autocannon), next to the floor: the gateway's statements reading
//       that week's rooms and busy intervals, replayed through pg at the same concurrency (floor.ts);
//   (d) the whole région's week (GET /v1/occupancy, one request after the other), next to the same statements
//       for every lycée;
//   (e) the aggregates refresh summing the région's school days (every day the first time), then the région's
//       aggregates over four weeks (GET /v1/aggregates/occupancy-rate by département and disruption by reason,
//       one request after the other), next to the bare SQL summing the same day sums;
// and where the time of (c) and (d) goes in the gateway's own code (stages.ts). The schema is dropped at the end
// (--keep keeps it, and a later --keep run of the same size reuses it without seeding: (a) is then not measured).
// Targets: (c) >= 60 % of its floor's requests/s; (d) p99 under 1 s; (b) p99 under 100 ms.
import { startBuiltGateway, stopProcess } from '../built-gateway.js';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { createClient } from '../../gateway/auth/clients.js';
import { refreshFacts } from '../../gateway/store/aggregates/facts.js';
import { openStore } from '../../gateway/store/db.js';
import { cpuPerRequest, sampleCpu } from '../roster/cpu.js';
import { ms, percentile, printTable, type Figures } from './figures.js';
import type { FloorSpec, Statement } from './floor.js';
import { runFloor as runFloorProcess } from './run-floor.js';
import { changeOneCourse, COURSES, lyceeUai, movedCourse, ROOMS, seedLycee, type Course } from './seed.js';
import { capturedStatements, stagesOf, type Stages } from './stages.js';
import { runBench } from '../run-bench.js';
import { fetchToken } from '../../test/support/clients.js';

const { values: options } = parseArgs({
  options: {
    lycees: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    repetitions: { type: 'string', default: '40' },
    'region-requests': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
  },
});
const LYCEES = Number(options.lycees);
const DURATION_S = Number(options.seconds);
const CONNECTIONS = Number(options.connections);
const REPETITIONS = Number(options.repetitions);
const REGION_REQUESTS = Number(options['region-requests']);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_occupancy';
const PORT = 18_090;
const BASE = `http://127.0.0.1:${PORT}`;
/** A school week of zone A (no holiday, no public holiday). */
const WEEK = { from: '2026-11-16', to: '2026-11-22' };
/** Four school weeks of zone A, for the aggregates. */
const MONTH = { from: '2026-11-02', to: '2026-11-29' };
const TARGET = { lyceeShare: 0.6, regionMs: 1000, changeMs: 100 };
const POSTGRES_PORT = Number(new URL(DATABASE_URL).port || 5432);

const store = () => openStore({ databaseUrl: DATABASE_URL, databaseSchema: SCHEMA, dataDir: '' });

interface Seeded { lycees: number; batchMs: number[] | undefined; occurrences: number; occurrenceBytes: number; changeLogBytes: number }

async function dropSchema(): Promise<void> {
  const admin = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: 'public', dataDir: '' });
  await admin.db.schema.dropSchema(SCHEMA).ifExists().cascade().execute();
  await admin.close();
}

/** (a): the région seeded one lycée after the other, each lycée's courses' batch timed; or reused (--keep). */
async function seed(): Promise<Seeded> {
  let batchMs: number[] | undefined;
  const reused = options.keep ? await seededLycees() === LYCEES : false;
  if (reused) {
    console.log(`seed: reusing the ${LYCEES} lycées of schema ${SCHEMA} (materialisation not measured this run)`);
  } else {
    await dropSchema();
    const bench = await store();
    batchMs = [];
    try {
      await bench.migrate();
      console.log(`seed: ${LYCEES} lycées × ${ROOMS} rooms × ${COURSES} weekly courses into schema ${SCHEMA}, one lycée after the other...`);
      const start = performance.now();
      for (let index = 0; index < LYCEES; index += 1) {
        batchMs.push(await seedLycee(bench.db, index));
        if ((index + 1) % 10 === 0 || index + 1 === LYCEES) {
          const elapsed = (performance.now() - start) / 1000;
          process.stdout.write(`\r  ${index + 1}/${LYCEES} lycées, ${elapsed.toFixed(0)} s, ~${((elapsed / (index + 1)) * (LYCEES - index - 1)).toFixed(0)} s to go   `);
        }
      }
      console.log();
      // As autovacuum would soon after such a load: the planner's statistics of the new rows.
      await sql`analyze`.execute(bench.db);
    } finally {
      await bench.close();
    }
  }
  const bench = await store();
  try {
    const { rows: [sizes] } = await sql<{ occurrences: string; occurrence_bytes: string; change_log_bytes: string }>`
      select (select count(*) from occurrence where state = 'active')::text as occurrences,
        (select sum(pg_total_relation_size(i.inhrelid)) from pg_inherits i where i.inhparent = 'occurrence'::regclass)::text as occurrence_bytes,
        pg_total_relation_size('change_log')::text as change_log_bytes`.execute(bench.db);
    return { lycees: LYCEES, batchMs, occurrences: Number(sizes.occurrences), occurrenceBytes: Number(sizes.occurrence_bytes), changeLogBytes: Number(sizes.change_log_bytes) };
  } finally {
    await bench.close();
  }
}

async function seededLycees(): Promise<number> {
  const bench = await store();
  try {
    const { rows: [row] } = await sql<{ n: string }>`select count(distinct uai)::text as n from roster_record where entity = 'course'`.execute(bench.db);
    return Number(row.n);
  } catch {
    return 0;
  } finally {
    await bench.close();
  }
}

interface Timings { p50: number; p99: number; mean: number; samples: number[] }
const timings = (samples: number[]): Timings => ({ p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length, samples });

/** (b): one course of `uai` moved by an hour and back, REPETITIONS times, then the same rows moved by a bare UPDATE. */
async function changeOne(uai: string): Promise<{ gateway: Timings; floor: Timings; rows: number }> {
  const bench = await store();
  const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path="${SCHEMA}"` });
  await client.connect();
  try {
    const row = await bench.db.selectFrom('roster_record').select(['id', 'data']).where('uai', '=', uai).where('entity', '=', 'course')
      .where('status', '=', 'active').orderBy('id').limit(1).executeTakeFirstOrThrow();
    const course = { ...(row.data as object), id: row.id } as Course;
    // Warm-up (an even count: the course ends where it started), then the measure.
    for (let i = 0; i < 4; i += 1) await changeOneCourse(bench.db, uai, movedCourse(course, i));
    const gateway: number[] = [];
    for (let i = 0; i < REPETITIONS; i += 1) gateway.push(await changeOneCourse(bench.db, uai, movedCourse(course, i)));
    const floor: number[] = [];
    let rows = 0;
    for (let i = 0; i < REPETITIONS + 4; i += 1) {
      const shift = i % 2 === 0 ? '1 hour' : '-1 hour';
      const start = performance.now();
      const result = await client.query(
        'update occurrence set starts_at = starts_at + $3::interval, ends_at = ends_at + $3::interval where uai = $1 and course_id = $2',
        [uai, course.id, shift]);
      if (i >= 4) floor.push(performance.now() - start);
      rows = result.rowCount ?? 0;
    }
    return { gateway: timings(gateway), floor: timings(floor), rows };
  } finally {
    await client.end();
    await bench.close();
  }
}

/** The gateway as it runs in production: the compiled build, in its own process. */
function startGateway(): Promise<ChildProcess> {
  return startBuiltGateway({ databaseUrl: DATABASE_URL, schema: SCHEMA, port: PORT, env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn' }, attempts: 150 });
}

/** A token of the bench's client from the gateway's token endpoint. */
const tokenFor = async (clientId: string, secret: string): Promise<string> => (await fetchToken(BASE, clientId, secret)).access_token;

/** A floor (floor.ts) of this bench's schema, in a process of its own. */
const runFloor = (spec: Omit<FloorSpec, 'databaseUrl' | 'schema'>) => runFloorProcess({ ...spec, databaseUrl: DATABASE_URL, schema: SCHEMA });

/** (c) through the gateway: autocannon after a warm-up, with the CPU each request cost it and its backends. */
async function loadGateway(url: string, token: string, pid: number, admin: pg.Pool): Promise<Figures> {
  const options = { url, connections: CONNECTIONS, headers: { authorization: `Bearer ${token}` } };
  await autocannon({ ...options, duration: 2 });
  const before = await sampleCpu(pid, admin, POSTGRES_PORT);
  const result = await autocannon({ ...options, duration: DURATION_S });
  const cpu = cpuPerRequest(before, await sampleCpu(pid, admin, POSTGRES_PORT), result.requests.total);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors, cpu };
}

/** (d) and (e) through the gateway: one request after the other, each timed to its last byte. */
async function sequenceGateway(url: string, token: string): Promise<Figures & { bytes: number; body: string }> {
  const get = async () => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${body.slice(0, 300)}`);
    return body;
  };
  const body = await get();
  const latencies: number[] = [];
  for (let i = 0; i < REGION_REQUESTS; i += 1) {
    const start = performance.now();
    await get();
    latencies.push(performance.now() - start);
  }
  const { p50, p99 } = timings(latencies);
  return { rps: 1000 / p50, p50, p99, errors: 0, bytes: Buffer.byteLength(body), body };
}

/** (e)'s requests, each with the bare SQL over the day sums a user would write for the same table. */
const AGGREGATES_FLOOR: Record<string, string> = {
  'occupancy-rate?territory=region:84&by=departement': `
    select e.departement_code, grouping(e.departement_code), sum(d.rooms * 36000) as available, round(sum(d.occupied_seconds)) as occupied
    from occupancy_day d join establishment e on e.uai = d.uai
    where e.region_code = '84' and e.status = 'active' and d.date between $1::date and $2::date
    group by cube(e.departement_code)`,
  'disruption?territory=region:84&by=reason': `
    select r.reason, grouping(r.reason), sum(o.occurrences) as lessons, sum(o.occurrences) filter (where o.status in ('cancelled', 'substituted')) as disrupted
    from occurrence_day o join establishment e on e.uai = o.uai
    cross join lateral (select case when o.status in ('cancelled', 'substituted') then coalesce(o.reason, 'unspecified') else 'none' end as reason) r
    where e.region_code = '84' and e.status = 'active' and o.date between $1::date and $2::date
    group by cube(r.reason)`,
};

async function main(): Promise<void> {
  console.log(`bench/occupancy: ${LYCEES} lycées${LYCEES < 300 ? ' (the issue\'s région has 300: --lycees 300)' : ''}, ${os.cpus().length} cores (shared: figures are noisy)`);
  const seeded = await seed();
  const target = lyceeUai(Math.floor(LYCEES / 2));
  const uais = Array.from({ length: LYCEES }, (_, i) => lyceeUai(i));
  console.log(`(b) one changed course of ${target}, ${REPETITIONS} times...`);
  const change = await changeOne(target);

  const bench = await store();
  console.log('(e) the aggregates refresh, summing the lessons of every school day...');
  const refreshStart = performance.now();
  const refreshed = await refreshFacts(bench.db);
  const refresh = { ms: performance.now() - refreshStart, days: refreshed.days };
  const { client, clientSecret } = await createClient(bench.db, { name: 'bench occupancy', scopes: ['occupancy.read', 'aggregates.read'], perimeter: ['region:84'] });
  await bench.close();
  const statements: Record<'lycee' | 'region', Statement[]> = {
    lycee: await capturedStatements(DATABASE_URL, SCHEMA, [target], WEEK.from, WEEK.to),
    region: await capturedStatements(DATABASE_URL, SCHEMA, uais, WEEK.from, WEEK.to),
  };
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  console.log('starting the gateway (npm run build, then serve)...');
  const gateway = await startGateway();
  let lycee: { gateway: Figures; floor: Figures & { rows: number } };
  let region: { gateway: Awaited<ReturnType<typeof sequenceGateway>>; floor: Figures & { rows: number } };
  const aggregates: Record<string, { gateway: Awaited<ReturnType<typeof sequenceGateway>>; floor: Figures & { rows: number } }> = {};
  try {
    const query = `from=${WEEK.from}&to=${WEEK.to}`;
    console.log(`(c) GET /v1/establishments/${target}/occupancy?${query}, ${CONNECTIONS} connections, ${DURATION_S} s...`);
    const lyceeGateway = await loadGateway(`${BASE}/v1/establishments/${target}/occupancy?${query}`, await tokenFor(client.clientId, clientSecret!), gateway.pid!, admin);
    const lyceeFloor = await runFloor({ mode: 'load', statements: statements.lycee, connections: CONNECTIONS, seconds: DURATION_S, warmUpSeconds: 2, requests: 0 });
    lycee = { gateway: lyceeGateway, floor: lyceeFloor };
    console.log(`(d) GET /v1/occupancy?${query}, ${REGION_REQUESTS} requests one after the other...`);
    region = {
      gateway: await sequenceGateway(`${BASE}/v1/occupancy?${query}`, await tokenFor(client.clientId, clientSecret!)),
      floor: await runFloor({ mode: 'sequence', statements: statements.region, connections: 1, seconds: 0, warmUpSeconds: 0, requests: REGION_REQUESTS }),
    };
    for (const [measure, floorSql] of Object.entries(AGGREGATES_FLOOR)) {
      console.log(`(e) GET /v1/aggregates/${measure}, ${REGION_REQUESTS} requests one after the other...`);
      aggregates[measure] = {
        gateway: await sequenceGateway(`${BASE}/v1/aggregates/${measure}&from=${MONTH.from}&to=${MONTH.to}`, await tokenFor(client.clientId, clientSecret!)),
        floor: await runFloor({ mode: 'sequence', statements: [{ sql: floorSql, parameters: [MONTH.from, MONTH.to] }], connections: 1, seconds: 0, warmUpSeconds: 0, requests: REGION_REQUESTS }),
      };
    }
  } finally {
    await stopProcess(gateway);
    await admin.end();
  }
  console.log('where the time goes, in this process (median of 5): reading the sources, computing the rates, JSON...');
  const stages = {
    lycee: await stagesOf(DATABASE_URL, SCHEMA, client.clientId, { uai: target }, WEEK.from, WEEK.to, 5),
    region: await stagesOf(DATABASE_URL, SCHEMA, client.clientId, 'perimeter', WEEK.from, WEEK.to, 5),
  };

  report(seeded, change, lycee, region, stages, { refresh, answers: aggregates });
  const out = path.join('bench', 'results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, `occupancy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify({ lycees: LYCEES, seeded, change, lycee, region, stages, refresh, aggregates }, null, 2));
}

function report(seeded: Seeded, change: Awaited<ReturnType<typeof changeOne>>, lycee: { gateway: Figures; floor: Figures & { rows: number } },
  region: { gateway: Awaited<ReturnType<typeof sequenceGateway>>; floor: Figures & { rows: number } }, stages: { lycee: Stages; region: Stages },
  aggregates: { refresh: { ms: number; days: number }; answers: Record<string, { gateway: Figures; floor: Figures & { rows: number } }> }): void {
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const cpu = (f: Figures) => (f.cpu ? `cpu/req ${f.cpu.serverMs.toFixed(2)} Node + ${f.cpu.postgresMs.toFixed(2)} PG ms` : '');
  const perLycee = seeded.batchMs ? timings(seeded.batchMs) : undefined;
  console.log(`\n${seeded.lycees} lycées × ${ROOMS} rooms × ${COURSES} courses: ${seeded.occurrences.toLocaleString('en')} active occurrences, ` +
    `occurrence partitions ${(seeded.occurrenceBytes / 2 ** 30).toFixed(2)} GiB, change_log ${(seeded.changeLogBytes / 2 ** 30).toFixed(2)} GiB; ` +
    `week ${WEEK.from}..${WEEK.to}; ${CONNECTIONS} connections, ${DURATION_S} s per load measure; ${os.cpus().length} cores`);
  const rows: string[][] = [
    ['', 'gateway', 'floor', 'ratio', 'target', ''],
    perLycee
      ? ['(a) one lycée\'s school year (its courses\' batch)', `p50 ${ms(perLycee.p50)}, p99 ${ms(perLycee.p99)}`, '', '', '(none)', '']
      : ['(a) not measured (schema reused)', '', '', '', '', ''],
    ...(perLycee ? [['(a) the région, one lycée after the other', `${(perLycee.mean * seeded.lycees / 1000).toFixed(1)} s`, '', '', '(none)', '']] : []),
    ['(b) one changed course, p50', ms(change.gateway.p50), `${ms(change.floor.p50)} (${change.rows} rows)`, `${(change.gateway.p50 / change.floor.p50).toFixed(1)}x`, '', ''],
    ['(b) one changed course, p99', ms(change.gateway.p99), ms(change.floor.p99), `${(change.gateway.p99 / change.floor.p99).toFixed(1)}x`, '< 100 ms', verdict(change.gateway.p99 < TARGET.changeMs)],
    ['(c) one lycée\'s week, req/s', `${lycee.gateway.rps.toFixed(0)} req/s`, `${lycee.floor.rps.toFixed(0)} req/s`, `${(lycee.gateway.rps / lycee.floor.rps * 100).toFixed(1)} %`, '>= 60 %', verdict(lycee.gateway.rps >= TARGET.lyceeShare * lycee.floor.rps)],
    ['(c) one lycée\'s week, p50 / p99', `${ms(lycee.gateway.p50)} / ${ms(lycee.gateway.p99)}`, `${ms(lycee.floor.p50)} / ${ms(lycee.floor.p99)}`, `${(lycee.gateway.p99 / lycee.floor.p99).toFixed(1)}x p99`, '', `${lycee.gateway.errors} errors`],
    ['(c) CPU per request', cpu(lycee.gateway), cpu(lycee.floor), '', '', ''],
    ['(d) the région\'s week, p50', ms(region.gateway.p50), `${ms(region.floor.p50)} (${region.floor.rows.toLocaleString('en')} rows)`, `${(region.gateway.p50 / region.floor.p50).toFixed(1)}x`, '', ''],
    ['(d) the région\'s week, p99', ms(region.gateway.p99), ms(region.floor.p99), `${(region.gateway.p99 / region.floor.p99).toFixed(1)}x`, '< 1 s', verdict(region.gateway.p99 < TARGET.regionMs)],
    [`(e) refresh: ${aggregates.refresh.days.toLocaleString('en')} school days summed`, ms(aggregates.refresh.ms), '', '', '(none)', ''],
    ...Object.entries(aggregates.answers).map(([measure, { gateway, floor }]) => [`(e) ${measure.split('?')[0]}, 4 weeks, p50 / p99`,
      `${ms(gateway.p50)} / ${ms(gateway.p99)}`, `${ms(floor.p50)} / ${ms(floor.p99)} (${floor.rows} rows)`, `${(gateway.p99 / floor.p99).toFixed(1)}x p99`, '(none)', '']),
  ];
  printTable(rows, [52, 34, 34, 12, 10, 8]);
  const establishments = (JSON.parse(region.gateway.body) as { data: unknown[] }).data.length;
  console.log(`(d) answer: ${establishments} establishments, ${(region.gateway.bytes / 2 ** 20).toFixed(1)} MiB of JSON`);
  console.log('\nwhere the time goes (in-process, gateway code, no HTTP; median of 5):');
  printTable([
    ['', 'read sources (SQL + rows)', 'rates (occupancyOf)', 'JSON.stringify', 'answer'],
    ...(['lycee', 'region'] as const).map((k) => [k === 'lycee' ? '(c) one lycée\'s week' : '(d) the région\'s week', ms(stages[k].readMs), ms(stages[k].computeMs), ms(stages[k].jsonMs),
      `${stages[k].establishments} est., ${stages[k].intervals.toLocaleString('en')} intervals, ${(stages[k].bytes / 1024).toFixed(0)} KiB`]),
  ], [52, 28, 22, 18, 30]);
}

runBench(main, { keep: options.keep, schema: SCHEMA, dropSchema });
