// bench/roster: the roster feed under load, next to its floors. Run by hand (not in CI):
//   npm run bench:roster            (DATABASE_URL defaults to the machine's PostgreSQL, database test)
// Seeds 200 establishments and 100,000 people once (kept in schema bench_roster for later runs), then measures, at
// the same concurrency (autocannon, 50 connections) and in the same run:
//   1. a 100-person page through the gateway, and the same page from minimal node:http servers (floor-server.ts):
//      (a) the gateway's own statements for it, with JSON.stringify; (a') the three statements a plain server sends
//      (perimeter check, page, audit INSERT committed per read); (b) one trivial round trip and the same bytes;
//   2. client-credentials tokens issued per second vs bare ES256 signing with jose (floor).
// Each page measure also reads from /proc the CPU its server and that server's PostgreSQL backends used per request
// (cpu.ts), which moves much less than throughput with the machine's other load. BENCH_ROUNDS repeats the page
// measures, interleaved (gateway, a, a', b, gateway, ...), and reports the median: the spread between rounds is the noise.
// Targets: the gateway >= 80% of (a) and >= 40% of (b) in req/s, its p99 <= 1.5x (a)'s; >= 500 tokens/s.
import { startBuiltGateway } from '../built-gateway.js';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { entityNamed } from '../../gateway/model/registry.js';
import { ScopedAccess } from '../../gateway/perimeter/scoped-access.js';
import type { AuditEntry } from '../../gateway/store/audit.js';
import type { Database } from '../../gateway/store/tables.js';
import { createClient } from '../../gateway/auth/clients.js';
import { findActiveClientRow } from '../../gateway/store/api-clients.js';
import { cpuPerRequest, sampleCpu } from './cpu.js';
import type { FloorSpec, Statement } from './floor-server.js';
import { openStore } from '../../gateway/store/db.js';
import { seedDemo } from '../../gateway/demo/seed.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_roster';
const ESTABLISHMENTS = 200;
const PEOPLE = 100_000;
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const PORT = 18_080;
const FLOOR_PORT = 18_081;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
/** Gateway processes (serve --workers); 1 by default. */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const BASE = `http://127.0.0.1:${PORT}`;

interface Figures { rps: number; p50: number; p99: number; errors: number; cpu?: { serverMs: number; postgresMs: number } }

async function seed(): Promise<void> {
  const store = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: SCHEMA, dataDir: '' });
  try {
    await store.migrate();
    const { n } = await store.db.selectFrom('roster_record').select((eb) => eb.fn.countAll<string>().as('n')).where('entity', '=', 'person').executeTakeFirstOrThrow();
    if (Number(n) >= PEOPLE) {
      console.log(`seed: reusing ${n} people in schema ${SCHEMA}`);
      return;
    }
    console.log(`seed: ${ESTABLISHMENTS} establishments, ${PEOPLE} people into schema ${SCHEMA}...`);
    const result = await seedDemo(store.db, { establishments: ESTABLISHMENTS, people: PEOPLE, seed: 7 }, (p) => {
      process.stdout.write(`\r  ${p.establishmentsDone}/${p.establishmentsTotal} establishments, ${p.peopleDone} people`);
    });
    console.log(`\n  seeded in ${(result.elapsedMs / 1000).toFixed(1)} s`);
  } finally {
    await store.close();
  }
}

/** The gateway as it runs in production: the compiled build, in its own process. */
function startGateway(): Promise<ChildProcess> {
  return startBuiltGateway({ databaseUrl: DATABASE_URL, schema: SCHEMA, port: PORT, env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', WEB_CONCURRENCY: String(WORKERS) }, attempts: 100 });
}

const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
const POSTGRES_PORT = Number(new URL(DATABASE_URL).port || 5432);

/** A measure under load; with the server's pid, also the CPU each request cost it and its PostgreSQL backends. */
async function load(options: autocannon.Options, pid?: number): Promise<Figures> {
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, pools, caches
  const before = pid === undefined ? undefined : await sampleCpu(pid, admin, POSTGRES_PORT);
  const result = await autocannon({ ...options, duration: DURATION_S });
  const figures: Figures = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
  if (before) figures.cpu = cpuPerRequest(before, await sampleCpu(pid!, admin, POSTGRES_PORT), result.requests.total);
  return figures;
}

/**
 * The statements the gateway sends for the page, captured from its own query code (the perimeter check is in
 * the page's statement; the audit entry goes to the group commit), and the same work as three plain statements.
 */
async function capturedStatements(uai: string, clientId: string): Promise<Pick<FloorSpec, 'page' | 'oneByOne' | 'audit'>> {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1, options: `-c search_path=${SCHEMA}` });
  const statements: Statement[] = [];
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event) => void statements.push(event.query) });
  try {
    const row = await findActiveClientRow(db, clientId);
    const caller = { clientId, scopes: new Set(['roster.read'] as const), perimeter: ['national'], version: row!.version, tokenScopes: ['roster.read'] };
    let audit: AuditEntry | undefined;
    const access = new ScopedAccess(db, caller, async () => caller, { record: async ([entry]) => void (audit = entry), close: async () => {} }, 'bench');
    const { position } = await access.establishment(uai).read();
    const [check] = statements.splice(0);
    await access.establishment(uai).list(entityNamed('person'), {}, {}, {
      limit: 100, after: undefined, asOf: undefined, includeDeleted: false, updatedSince: undefined, withTotal: false,
    });
    const [page] = statements;
    return {
      page,
      audit: audit!,
      oneByOne: {
        check,
        page: {
          sql: `select id::text as key, seq::text as seq, coalesce(body_minimal, body) as record from roster_record
                where uai = $1 and entity = 'person' and seq <= $2 and status = 'active' order by id limit 101`,
          parameters: [uai, position],
        },
        audit: { sql: 'insert into audit_log (client_id, uai, entity, count, request_id) values ($1, $2, $3, $4, $5)', parameters: [clientId, uai, 'person', 100, 'bench'] },
      },
    };
  } finally {
    await db.destroy();
  }
}

/** A floor server (floor-server.ts) in a process of its own, as the gateway is. */
async function startFloor(spec: FloorSpec): Promise<ChildProcess> {
  const specFile = path.join(os.tmpdir(), `bench-roster-floor-${process.pid}.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/roster/floor-server.ts', specFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const median = (figures: Figures[]): Figures => [...figures].sort((a, b) => a.rps - b.rps)[Math.floor(figures.length / 2)];

async function signingFloor(): Promise<number> {
  const { privateKey } = await generateKeyPair('ES256');
  const sign = () => new SignJWT({ scope: 'roster.read', client_id: 'bench' }).setProtectedHeader({ alg: 'ES256', kid: 'k', typ: 'at+jwt' })
    .setIssuer(BASE).setAudience(`${BASE}/v1`).setIssuedAt().setExpirationTime('5m').setJti(crypto.randomUUID()).sign(privateKey);
  for (let i = 0; i < 200; i += 1) await sign();
  const until = performance.now() + 3000;
  let n = 0;
  while (performance.now() < until) {
    await sign();
    n += 1;
  }
  return n / 3;
}

async function main(): Promise<void> {
  await seed();
  const store = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: SCHEMA, dataDir: '' });
  const { client, clientSecret } = await createClient(store.db, { name: 'bench', scopes: ['roster.read'], perimeter: ['national'] });
  const busiest = await store.db.selectFrom('roster_record').select(['uai', (eb) => eb.fn.countAll<string>().as('n')])
    .where('entity', '=', 'person').groupBy('uai').orderBy('n', 'desc').limit(1).executeTakeFirstOrThrow();
  await store.close();

  const statements = await capturedStatements(busiest.uai, client.clientId);

  const gateway = await startGateway();
  try {
    const basic = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
    const tokenResponse = await fetch(`${BASE}/oauth/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const pageUrl = `${BASE}/v1/establishments/${busiest.uai}/people?limit=100`;
    const check = await fetch(pageUrl, { headers: { authorization: `Bearer ${token}` } });
    const body = await check.text();
    if (check.status !== 200) throw new Error(`page answered ${check.status}: ${body}`);
    console.log(`page: ${pageUrl} (${busiest.n} people in that establishment, ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB)`);

    const floorSpec = (mode: FloorSpec['mode']): FloorSpec => ({
      mode, databaseUrl: DATABASE_URL, schema: SCHEMA, port: FLOOR_PORT, ...statements, body,
      changeCursor: (JSON.parse(body) as { changeCursor: string }).changeCursor,
    });
    const floorUrl = `http://127.0.0.1:${FLOOR_PORT}/`;
    const measured = { gateway: [] as Figures[], statements: [] as Figures[], oneByOne: [] as Figures[], roundTrip: [] as Figures[] };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const gatewayPage = await load({ url: pageUrl, connections: CONNECTIONS, headers: { authorization: `Bearer ${token}` } }, gateway.pid);
      measured.gateway.push(gatewayPage);
      for (const [mode, into] of [['statements', measured.statements], ['one-by-one', measured.oneByOne], ['round-trip', measured.roundTrip]] as const) {
        const floor = await startFloor(floorSpec(mode));
        try {
          into.push(await load({ url: floorUrl, connections: CONNECTIONS }, floor.pid));
        } finally {
          await stop(floor);
        }
      }
      const line = (f: Figures) => `${f.rps.toFixed(0)}/s p99 ${f.p99} ms${f.cpu ? ` cpu ${f.cpu.serverMs.toFixed(2)}+${f.cpu.postgresMs.toFixed(2)} ms` : ''}`;
      console.log(`round ${round}: gateway ${line(gatewayPage)}; (a) ${line(measured.statements.at(-1)!)}; (a') ${line(measured.oneByOne.at(-1)!)}; (b) ${line(measured.roundTrip.at(-1)!)}`);
    }
    const tokens = await load({
      url: `${BASE}/oauth/token`, method: 'POST', connections: 10,
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials',
    });
    const signs = await signingFloor();

    const [page, statementsFloor, oneByOneFloor, roundTripFloor] = [measured.gateway, measured.statements, measured.oneByOne, measured.roundTrip].map(median);
    const share = (floor: Figures) => page.rps / floor.rps;
    const cpuText = (f: Figures) => (f.cpu ? `${f.cpu.serverMs.toFixed(2)} + ${f.cpu.postgresMs.toFixed(2)} ms` : 'not seen');
    const pageRow = (label: string, f: Figures) => [label, `${f.rps.toFixed(0)} req/s`, `${f.p50} ms`, `${f.p99} ms`, cpuText(f), `${f.errors} errors`];
    const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
    const rows = [
      ['', 'throughput', 'p50', 'p99', 'CPU/req: Node + PG', ''],
      pageRow('100-person page, gateway', page),
      pageRow("(a) its statements, node:http", statementsFloor),
      pageRow("(a') 3 statements one by one", oneByOneFloor),
      pageRow('(b) one round trip, same bytes', roundTripFloor),
      ['gateway / (a), target >= 80%', `${(share(statementsFloor) * 100).toFixed(1)} %`, '', `p99 ${(page.p99 / statementsFloor.p99).toFixed(2)}x (<= 1.5x)`, '', met(share(statementsFloor) >= 0.8 && page.p99 <= 1.5 * statementsFloor.p99)],
      ["gateway / (a')", `${(share(oneByOneFloor) * 100).toFixed(1)} %`, '', `p99 ${(page.p99 / oneByOneFloor.p99).toFixed(2)}x`, '', ''],
      ['gateway / (b), target >= 40%', `${(share(roundTripFloor) * 100).toFixed(1)} %`, '', '', '', met(share(roundTripFloor) >= 0.4)],
      ['tokens issued (client credentials)', tokens.rps.toFixed(0) + ' tokens/s', `${tokens.p50} ms`, `${tokens.p99} ms`, '', `${tokens.errors} errors`],
      ['bare ES256 signing with jose (floor)', signs.toFixed(0) + ' signs/s', '', '', '', ''],
      ['tokens target >= 500/s', '', '', '', '', met(tokens.rps >= 500)],
    ];
    console.log(`\n${CONNECTIONS} connections, ${DURATION_S} s per measure, median of ${ROUNDS} round(s), ${WORKERS} gateway process(es), ${os.cpus().length} cores`);
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(i === 0 ? 38 : 20)).join(''));
    const out = path.join('bench', 'results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, `roster-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
      JSON.stringify({ workers: WORKERS, rounds: measured, tokens, signsPerSecond: signs }, null, 2));
  } finally {
    gateway.kill('SIGTERM');
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
