// bench/roster: the roster feed under load, next to its floors. Run by hand (not in CI):
//   npm run bench:roster            (DATABASE_URL defaults to the machine's PostgreSQL, database test)
// Seeds 200 establishments and 100,000 people once (kept in schema bench_roster for later runs), then measures
//   1. a 100-person page through the gateway (autocannon, 50 connections) vs the same SQL through pg (floor);
//   2. client-credentials tokens issued per second vs bare ES256 signing with jose (floor).
// Targets: page throughput >= 50% of the floor with p99 <= 25 ms; >= 500 tokens/s.
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { listRecords } from '../../gateway/feeds/roster/queries.js';
import { ScopedAccess } from '../../gateway/perimeter/scoped-access.js';
import type { Database } from '../../gateway/store/tables.js';
import { createClient } from '../../gateway/auth/clients.js';
import { openStore } from '../../gateway/store/db.js';
import { seedDemo } from '../../gateway/demo/seed.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_roster';
const ESTABLISHMENTS = 200;
const PEOPLE = 100_000;
const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const PORT = 18_080;
/** Gateway processes (serve --workers); 1 by default. */
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const BASE = `http://127.0.0.1:${PORT}`;

interface Figures { rps: number; p50: number; p99: number; errors: number }

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
async function startGateway(): Promise<ChildProcess> {
  execSync('npm run build', { stdio: 'ignore' });
  const child = spawn(process.execPath, ['dist/gateway/main.js', 'serve'], {
    env: { ...process.env, DATABASE_URL, DATABASE_SCHEMA: SCHEMA, PORT: String(PORT), PUBLIC_URL: BASE, DEMO_DATA: 'false', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', WEB_CONCURRENCY: String(WORKERS) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(`${BASE}/ready`)).ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('gateway did not become ready');
}

async function load(options: autocannon.Options): Promise<Figures> {
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, pools, caches
  const result = await autocannon({ ...options, duration: DURATION_S });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

/**
 * The floor: the very statement the gateway sends for that page (captured from the gateway's own query code,
 * audit entry included), replayed straight through pg with the same concurrency.
 */
async function queryFloor(uai: string, clientId: string): Promise<Figures> {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: CONNECTIONS, options: `-c search_path=${SCHEMA}` });
  const statements: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (event) => void statements.push(event.query) });
  const caller = { clientId, scopes: new Set(['roster.read'] as const), perimeter: ['national'], version: '', tokenScopes: ['roster.read'] };
  const access = new ScopedAccess(db, caller, async () => caller);
  const { position } = await access.establishment(uai);
  statements.length = 0;
  await listRecords(access, uai, 'person', {}, 'minimal', {
    limit: 100, after: undefined, asOf: BigInt(position), includeDeleted: false, updatedSince: undefined, withTotal: false,
  }, { clientId, uai, entity: 'person', count: 0, requestId: 'bench' });
  const [page] = statements;
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    const until = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        const start = performance.now();
        await pool.query(page.sql, page.parameters as unknown[]);
        latencies.push(performance.now() - start);
      }
    }));
    return latencies;
  };
  await run(2);
  const latencies = (await run(DURATION_S)).sort((a, b) => a - b);
  await pool.end();
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rps: latencies.length / DURATION_S, p50: at(0.5), p99: at(0.99), errors: 0 };
}

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

  const gateway = await startGateway();
  try {
    const basic = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
    const tokenResponse = await fetch(`${BASE}/oauth/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const pageUrl = `${BASE}/v1/establishments/${busiest.uai}/people?limit=100`;
    const check = await fetch(pageUrl, { headers: { authorization: `Bearer ${token}` } });
    if (check.status !== 200) throw new Error(`page answered ${check.status}: ${await check.text()}`);
    console.log(`page: ${pageUrl} (${busiest.n} people in that establishment)`);

    const gatewayPage = await load({ url: pageUrl, connections: CONNECTIONS, headers: { authorization: `Bearer ${token}` } });
    const floorPage = await queryFloor(busiest.uai, client.clientId);
    const tokens = await load({
      url: `${BASE}/oauth/token`, method: 'POST', connections: 10,
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials',
    });
    const signs = await signingFloor();

    const ratio = gatewayPage.rps / floorPage.rps;
    const rows = [
      ['100-person page, gateway', gatewayPage.rps.toFixed(0) + ' req/s', `${gatewayPage.p50} ms`, `${gatewayPage.p99} ms`, `${gatewayPage.errors} errors`],
      ['same statement through pg (floor)', floorPage.rps.toFixed(0) + ' q/s', `${floorPage.p50.toFixed(2)} ms`, `${floorPage.p99.toFixed(2)} ms`, ''],
      ['ratio (target >= 50%)', `${(ratio * 100).toFixed(1)} %`, '', `p99 target <= 25 ms`, ratio >= 0.5 && gatewayPage.p99 <= 25 ? 'MET' : 'NOT MET'],
      ['tokens issued (client credentials)', tokens.rps.toFixed(0) + ' tokens/s', `${tokens.p50} ms`, `${tokens.p99} ms`, `${tokens.errors} errors`],
      ['bare ES256 signing with jose (floor)', signs.toFixed(0) + ' signs/s', '', '', ''],
      ['tokens target >= 500/s', '', '', '', tokens.rps >= 500 ? 'MET' : 'NOT MET'],
    ];
    console.log(`\n${CONNECTIONS} connections, ${DURATION_S} s per measure, ${WORKERS} gateway process(es), ${os.cpus().length} cores`);
    for (const row of rows) console.log(row.map((c, i) => c.padEnd(i === 0 ? 38 : 18)).join(''));
    const out = path.join('bench', 'results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, `roster-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
      JSON.stringify({ workers: WORKERS, gatewayPage, floorPage, ratio, tokens, signsPerSecond: signs }, null, 2));
  } finally {
    gateway.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
