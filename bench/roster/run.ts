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
import { startBuiltGateway, stopProcess } from '../built-gateway.js';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { cpuPerRequest, sampleCpu } from './cpu.js';
import { capturedStatements, startFloor } from './floor.js';
import type { FloorSpec } from './floor-server.js';
import { seedRoster } from './seed.js';

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
  const { clientId, clientSecret, busiest } = await seedRoster(DATABASE_URL, SCHEMA, { establishments: ESTABLISHMENTS, people: PEOPLE });
  const statements = await capturedStatements(DATABASE_URL, SCHEMA, busiest.uai, clientId);

  const gateway = await startGateway();
  try {
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const tokenResponse = await fetch(`${BASE}/oauth/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const pageUrl = `${BASE}/v1/establishments/${busiest.uai}/people?limit=100`;
    const check = await fetch(pageUrl, { headers: { authorization: `Bearer ${token}` } });
    const body = await check.text();
    if (check.status !== 200) throw new Error(`page answered ${check.status}: ${body}`);
    console.log(`page: ${pageUrl} (${busiest.people} people in that establishment, ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB)`);

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
          await stopProcess(floor);
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
    await stopProcess(gateway);
    await admin.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
