// bench/sso: a login peak through the gateway's SSO, next to its floor. Run by hand (not in CI):
//   npm run bench:sso [-- --pupils 3000 --concurrency 12 --seconds 15 --codes 1500 --profile | --no-profile]
// (DATABASE_URL and REDIS_URL default to the machine's servers.) Seeds --pupils pupils in schema bench_sso (dropped
// at the end), starts the two upstream stand-ins (SAML, ÉduConnect-like; OpenID Connect, an académie's), a relying
// party and the compiled gateway in a process of its own (world.ts), then measures in the same run:
//   (a) complete logins per second by --concurrency browser-less clients (logins.ts), through each upstream
//       separately: relying party → /oauth/authorize → login page → upstream form → gateway callback → relying
//       party, which exchanges the code and fetches userinfo; p50/p99 of a login; the CPU each login cost the
//       gateway process and its PostgreSQL backends (/proc), and this process (stand-ins, relying party, clients);
//   (b) the token endpoint alone: --codes authorization codes minted first, then exchanged by --concurrency clients;
//   the floor: bare jose ES256 signing (the gateway's SIGNING_ALG) on one core, first, with nothing else running.
// Target: >= 60 complete logins/s through each upstream. When one is missed (or with --profile), the gateway runs
// again under `node --cpu-prof` behind a statement tap (sql-tap.ts) while logins run, and the run prints where its
// CPU goes (profile.ts) and the SQL each login sends.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { generateKeyPair, SignJWT } from 'jose';
import pg from 'pg';
import { stopProcess } from '../built-gateway.js';
import { SIGNING_ALG } from '../../gateway/auth/keys.js';
import { openStore } from '../../gateway/store/db.js';
import { ms, percentile, printTable } from '../occupancy/figures.js';
import { cpuPerRequest, cpuSecondsOf, pidsNamed, sampleCpu } from '../roster/cpu.js';
import { exchangeCode, logIn, mintCodes, runFor, runOver, type LoadResult, type Upstream } from './logins.js';
import { summariseProfile, type ProfileSummary, type Window } from './profile.js';
import { startSqlTap, type SqlTally } from './sql-tap.js';
import { startBenchWorld, type BenchWorld } from './world.js';

const { values: options } = parseArgs({
  options: {
    pupils: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '15' },
    codes: { type: 'string', default: '1500' },
    workers: { type: 'string', default: '1' },
    'profile-seconds': { type: 'string', default: '8' },
    profile: { type: 'boolean' },
    'no-profile': { type: 'boolean', default: false },
  },
});
const PUPILS = Number(options.pupils);
const CONCURRENCY = Number(options.concurrency);
const SECONDS = Number(options.seconds);
const CODES = Number(options.codes);
const WORKERS = Number(options.workers);
const PROFILE_SECONDS = Number(options['profile-seconds']);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_sso';
const POSTGRES_PORT = Number(new URL(DATABASE_URL).port || 5432);
const TARGET_LOGINS_PER_SECOND = 60;
const WARM_UP_SECONDS = 3;
const UPSTREAMS: readonly { name: Upstream; label: string }[] = [
  { name: 'Académie de Lyon', label: 'OpenID Connect upstream (académie)' },
  { name: 'ÉduConnect', label: 'SAML upstream (ÉduConnect-like)' },
];

interface Measured extends LoadResult {
  /** CPU milliseconds per operation: the gateway process, its PostgreSQL backends, this process. */
  readonly cpu: { gatewayMs: number; postgresMs: number; redisMs: number; benchMs: number };
}

/** The schema, and the queue keys the gateway made in Redis under its QUEUE_PREFIX (the schema's name). */
async function dropSchema(): Promise<void> {
  const admin = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: 'public', dataDir: '' });
  await admin.db.schema.dropSchema(SCHEMA).ifExists().cascade().execute();
  await admin.close();
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${SCHEMA}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Bare ES256 signatures of an ID-token-sized JWT with jose, one after the other for two seconds: signs/s on one core. */
async function signingFloor(): Promise<number> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG);
  const sign = () => new SignJWT({ sub: 'x'.repeat(43), sid: 'y'.repeat(21), nonce: 'z'.repeat(22), at_hash: 'h'.repeat(22), given_name: 'Élève', role: 'pupil' })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: 'k' }).setIssuer('http://127.0.0.1:1').setAudience('pas_abcdefghijklmnop')
    .setIssuedAt().setExpirationTime('1h').sign(privateKey);
  for (let i = 0; i < 200; i += 1) await sign();
  let signs = 0;
  const start = performance.now();
  while (performance.now() - start < 2000) {
    await sign();
    signs += 1;
  }
  return signs / ((performance.now() - start) / 1000);
}

/** Runs `work` between two CPU samples of the gateway (and its backends) and of this process. */
async function measured(gateway: ChildProcess, admin: pg.Pool, work: () => Promise<LoadResult>): Promise<Measured> {
  // Redis keeps the gateway's sessions and a login's steps: its server's CPU is the gateway's too (the machine's
  // Redis serves nothing else during the bench).
  const redisCpu = async () => (await Promise.all((await pidsNamed('redis-server')).map(cpuSecondsOf))).reduce((a, b) => a + b, 0);
  const before = await sampleCpu(gateway.pid!, admin, POSTGRES_PORT);
  const redisBefore = await redisCpu();
  const benchBefore = process.cpuUsage();
  const result = await work();
  const bench = process.cpuUsage(benchBefore);
  const operations = Math.max(1, result.done);
  const cpu = cpuPerRequest(before, await sampleCpu(gateway.pid!, admin, POSTGRES_PORT), operations);
  const redisMs = ((await redisCpu()) - redisBefore) * 1000 / operations;
  return { ...result, cpu: { gatewayMs: cpu.serverMs, postgresMs: cpu.postgresMs, redisMs, benchMs: (bench.user + bench.system) / 1000 / operations } };
}

/** Logins through `upstream` for `seconds`, pupil after pupil from `offset` (each login a person not yet seen this run). */
function loginLoad(world: BenchWorld, upstream: Upstream, seconds: number, concurrency: number, offset: number): Promise<LoadResult> {
  const count = world.logins.length;
  return runFor(seconds, concurrency, (n) => logIn(world, upstream, world.logins[(((offset + n) % count) + count) % count]));
}

async function main(): Promise<void> {
  console.log(`bench/sso: ${PUPILS} pupils, ${CONCURRENCY} concurrent clients, ${SECONDS} s per login measure, gateway --workers ${WORKERS}, ${os.cpus().length} cores (shared: figures are noisy)`);
  console.log(`floor: bare jose ${SIGNING_ALG} signing, one core, 2 s...`);
  const signs = await signingFloor();
  await dropSchema();
  console.log(`seeding ${PUPILS} pupils into schema ${SCHEMA}, starting the stand-ins and the relying party...`);
  const world = await startBenchWorld({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, schema: SCHEMA, pupils: PUPILS });
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  const logins = new Map<Upstream, Measured>();
  let exchange: Measured;
  let mintSeconds: number;
  let profiled: { summary: ProfileSummary; sql: Map<Upstream | 'code exchange', SqlTally & { operations: number }> } | undefined;
  try {
    console.log('starting the gateway (npm run build, then serve)...');
    let gateway = await world.startGateway({ workers: WORKERS });
    try {
      // Each upstream's pupils: the first half of the roster for the OIDC upstream, the second for SAML; the warm-up
      // takes its own at the end of each half.
      for (const [i, upstream] of UPSTREAMS.entries()) {
        process.stdout.write(`(a) ${upstream.label}: warm-up ${WARM_UP_SECONDS} s, `);
        await loginLoad(world, upstream.name, WARM_UP_SECONDS, CONCURRENCY, i * half(PUPILS) + half(PUPILS) - 300);
        process.stdout.write(`then ${SECONDS} s...`);
        const result = await measured(gateway, admin, () => loginLoad(world, upstream.name, SECONDS, CONCURRENCY, i * half(PUPILS)));
        logins.set(upstream.name, result);
        console.log(` ${(result.done / result.seconds).toFixed(1)} logins/s, ${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ''}`);
      }
      process.stdout.write(`(b) minting ${CODES} authorization codes (${CONCURRENCY} people logged in once, then asking again)...`);
      const mintStart = performance.now();
      const codes = await mintCodes(world, 'Académie de Lyon', CONCURRENCY, CODES);
      mintSeconds = (performance.now() - mintStart) / 1000;
      process.stdout.write(` ${mintSeconds.toFixed(1)} s; exchanging them...`);
      exchange = await measured(gateway, admin, () => runOver(codes, CONCURRENCY, (code) => exchangeCode(world, code)));
      console.log(` ${(exchange.done / exchange.seconds).toFixed(0)} exchanges/s, ${exchange.errors} errors${exchange.firstError ? ` (first: ${exchange.firstError})` : ''}`);
    } finally {
      await stopProcess(gateway);
    }

    const missed = [...logins.values()].some((r) => r.done / r.seconds < TARGET_LOGINS_PER_SECOND);
    if (options.profile || (missed && !options['no-profile'])) {
      console.log(`profiling: the gateway again under node --cpu-prof, its PostgreSQL connections through a statement tap, ${PROFILE_SECONDS} s of logins per upstream...`);
      const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-bench-sso-prof-'));
      const tap = await startSqlTap(DATABASE_URL);
      // One process, so that one profile holds the whole gateway.
      gateway = await world.startGateway({ nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`], databaseUrl: tap.url });
      const windows: Window[] = [];
      const sql = new Map<Upstream | 'code exchange', SqlTally & { operations: number }>();
      try {
        for (const [i, upstream] of UPSTREAMS.entries()) {
          await loginLoad(world, upstream.name, 2, CONCURRENCY, i * half(PUPILS) + 100);
          tap.reset();
          const from = process.hrtime.bigint();
          const result = await loginLoad(world, upstream.name, PROFILE_SECONDS, CONCURRENCY, i * half(PUPILS) + 600);
          windows.push({ label: upstream.label, fromNs: from, toNs: process.hrtime.bigint(), operations: result.done });
          sql.set(upstream.name, { ...tap.tally(), operations: result.done });
        }
        const codes = await mintCodes(world, 'Académie de Lyon', CONCURRENCY, Math.min(CODES, 600));
        tap.reset();
        const from = process.hrtime.bigint();
        const result = await runOver(codes, CONCURRENCY, (code) => exchangeCode(world, code));
        windows.push({ label: 'code exchange at the token endpoint', fromNs: from, toNs: process.hrtime.bigint(), operations: result.done });
        sql.set('code exchange', { ...tap.tally(), operations: result.done });
      } finally {
        await stopProcess(gateway);
        await tap.close();
      }
      const [file] = fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no CPU profile in ${profileDir}`);
      profiled = { summary: summariseProfile(JSON.parse(fs.readFileSync(path.join(profileDir, file), 'utf8')), windows), sql };
      console.log(`profile kept: ${path.join(profileDir, file)} (open it in Chrome DevTools' Performance tab)`);
    }
  } finally {
    await admin.end();
    await world.close();
  }
  report(signs, logins, exchange, mintSeconds, profiled);
}

const half = (pupils: number) => Math.floor(pupils / 2);

function report(signs: number, logins: Map<Upstream, Measured>, exchange: Measured, mintSeconds: number,
  profiled: { summary: ProfileSummary; sql: Map<Upstream | 'code exchange', SqlTally & { operations: number }> } | undefined): void {
  const rate = (r: LoadResult) => r.done / r.seconds;
  const cpu = (r: Measured) => `${r.cpu.gatewayMs.toFixed(1)} + ${r.cpu.postgresMs.toFixed(1)} PG + ${r.cpu.redisMs.toFixed(1)} R`;
  console.log(`\n${PUPILS} pupils, ${CONCURRENCY} concurrent clients, gateway --workers ${WORKERS}, ${os.cpus().length} cores; floor: bare jose ${SIGNING_ALG} signing ${signs.toFixed(0)} signs/s on one core`);
  printTable([
    ['', 'throughput', 'vs floor', 'p50 / p99', 'gateway CPU ms/op', 'bench CPU ms/op', 'target', ''],
    ...UPSTREAMS.map(({ name, label }) => {
      const r = logins.get(name)!;
      return [`(a) complete logins, ${label}`, `${rate(r).toFixed(1)} logins/s`, `1/${(signs / rate(r)).toFixed(0)}`,
        `${ms(percentile(r.latencies, 0.5))} / ${ms(percentile(r.latencies, 0.99))}`, cpu(r), r.cpu.benchMs.toFixed(1),
        `>= ${TARGET_LOGINS_PER_SECOND}/s`, `${rate(r) >= TARGET_LOGINS_PER_SECOND ? 'PASS' : 'MISS'}${r.errors ? ` (${r.errors} errors)` : ''}`];
    }),
    ['(b) token endpoint, code exchange', `${rate(exchange).toFixed(0)} exchanges/s`, `1/${(signs / rate(exchange)).toFixed(1)}`,
      `${ms(percentile(exchange.latencies, 0.5))} / ${ms(percentile(exchange.latencies, 0.99))}`, cpu(exchange), exchange.cpu.benchMs.toFixed(1),
      '', `${exchange.done} codes${exchange.errors ? `, ${exchange.errors} errors` : ''}`],
    ['    floor: bare jose ES256 signing', `${signs.toFixed(0)} signs/s`, '1', '', `${(1000 / signs).toFixed(2)}`, '', '', ''],
  ], [60, 20, 10, 20, 30, 17, 10, 20]);
  console.log('vs floor: 1/N means one operation took the time of N bare signatures (throughput against the floor\'s)');
  console.log(`(b) the ${exchange.done} codes were minted in ${mintSeconds.toFixed(1)} s (an authorization request each, on a gateway session); codes live 60 s`);
  console.log('gateway CPU = the gateway process (utime+stime from /proc), its PostgreSQL backends and the Redis server, per operation; bench CPU = this process (stand-ins, relying party, clients)');
  // The stand-ins and clients share this machine's cores with the gateway: what the gateway and PostgreSQL would
  // sustain with every core to themselves is their CPU per login's inverse, times the cores.
  const capacity = (r: Measured) => (os.cpus().length * 1000 / (r.cpu.gatewayMs + r.cpu.postgresMs + r.cpu.redisMs)).toFixed(0);
  console.log(`what the gateway, PostgreSQL and Redis would sustain with the ${os.cpus().length} cores to themselves (and enough workers), from their CPU per login: `
    + `${UPSTREAMS.map(({ name, label }) => `${label} ${capacity(logins.get(name)!)} logins/s`).join(', ')}; code exchange ${capacity(exchange)}/s`);
  if (!profiled) return;
  for (const window of profiled.summary.windows) {
    console.log(`\nprofile, ${window.label}: ${window.operations} operations, gateway main thread ${window.sampledMs.toFixed(0)} ms sampled busy (${(window.sampledMs / window.operations).toFixed(1)} ms/operation), idle ${window.idleMs.toFixed(0)} ms`);
    console.log('  by module (self time, ms per operation):');
    printTable(window.modules.slice(0, 12).map((m) => ['    ' + m.name, (m.selfMs / window.operations).toFixed(2), `${(m.share * 100).toFixed(1)} %`]), [70, 8, 8]);
    console.log('  top functions (self time, ms per operation):');
    printTable(window.functions.slice(0, 15).map((f) => ['    ' + f.name, (f.selfMs / window.operations).toFixed(2), `${(f.share * 100).toFixed(1)} %`]), [110, 8, 8]);
  }
  for (const [name, tally] of profiled.sql) {
    const label = UPSTREAMS.find((u) => u.name === name)?.label ?? name;
    console.log(`\nSQL per operation, ${label} (${tally.operations}): ${(tally.statements / tally.operations).toFixed(1)} statements, ${(tally.roundTripMs / tally.operations).toFixed(1)} ms of round trips (sum)`);
    printTable(tally.byText.slice(0, 20).map((s) => [`    ${(s.count / tally.operations).toFixed(2)} ×`, `${(s.ms / s.count).toFixed(2)} ms`, s.text.slice(0, 150)]), [12, 10, 150]);
  }
}

main()
  .then(() => dropSchema().then(() => console.log(`schema ${SCHEMA} and its queue keys dropped`)))
  .catch(async (error) => {
    console.error(error);
    await dropSchema().catch(() => {});
    process.exit(1);
  });
