// Scale-out proof: two `passerelle serve` and two `passerelle worker` processes on one PostgreSQL schema and one
// Redis prefix. Reads, imports, a change-feed consumer and an SSO login are spread over both gateways; one gateway
// and one worker are killed (SIGKILL) mid-way, the worker in the middle of an import. No request is lost but
// those in flight on the killed gateway, every job completes with its effect written once, the rate limit is one
// allowance across both gateways, the login begun on the killed gateway ends on the other, and the consumer
// ends with exactly what the listings show.
import { spawn, type ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api } from '../support/api.js';
import { startBalancer, type Balancer } from '../support/balancer.js';
import { createClientWithToken } from '../support/clients.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/database.js';
import { establishment, LYON, newUai, upsert } from '../support/fixtures.js';
import { HttpBrowser, type BrowserPage } from '../support/http-browser.js';
import { ondePupils } from '../support/onde-export.js';
import { freePort } from '../support/ports.js';
import type { RelyingParty } from '../support/relying-party.js';
import { registerRelyingParty, PASSWORD } from '../support/sso-world.js';
import { startSsoUpstreams, type SsoUpstreams } from '../support/sso-upstreams.js';
import { openTestStore } from '../support/store.js';
import { TrackedRequests, type TrackedRequest } from '../support/tracked-requests.js';
import { until } from '../support/until.js';

const RATE_LIMIT = 150;
const PUPILS = 20;
/** An ONDE export of 20 pupils in two classes: 20 people, 2 groups and 20 memberships. */
const RECORDS = 42;
const A = 0;
const B = 1;

interface Job { id: string; state: string; attempts: number; counts?: Record<string, number> }
interface Entry { entity: string; id: string; op: 'upsert' | 'delete'; record: Record<string, unknown> }

const store = await openTestStore('scale_out');
const schools = Array.from({ length: 6 }, (_, i) => ({ uai: newUai('069'), pupils: ondePupils(PUPILS, `1040${i}`) }));
const college = newUai('069');
const children: ChildProcess[] = [];
let upstreams: SsoUpstreams;
let balancer: Balancer;
let rp: RelyingParty;
let gateways: string[];
let workerNames: string[];
let killed: { gateway: ChildProcess; worker: ChildProcess };
let tokens: { writer: string; reader: string; lister: string; limited: string; load: string[] };

/** `passerelle serve` or `worker` as an operator runs it, in a process of its own. */
function passerelle(command: 'serve' | 'worker', env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', command], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

beforeAll(async () => {
  for (const school of schools) await putEstablishment(store.db, establishment(school.uai, LYON, { type: 'ecole' }));
  await putEstablishment(store.db, establishment(college, LYON, { name: 'Collège Jean Moulin' }));
  await applyBatch(store.db, college, [upsert('person', { id: crypto.randomUUID(), kind: 'teacher', familyName: 'Bernard', givenName: 'Paul', sourceIds: { aaf: 'AAF-PAUL' } })] as never);

  const publicPort = await freePort();
  const publicUrl = `http://127.0.0.1:${publicPort}`;
  upstreams = await startSsoUpstreams(publicUrl, {
    saml: [],
    oidc: [{ login: 'paul', password: PASSWORD, claims: { given_name: 'Paul', family_name: 'Bernard', FrEduCtRefId: '{AAF}10|ENS|AAF-PAUL' } }],
  });
  const shared = {
    DATABASE_SCHEMA: store.schema, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: store.schema, PUBLIC_URL: publicUrl,
    DEMO_DATA: 'false', RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT), JOB_LOCK_SECONDS: '3', WORKER_CONCURRENCY: '2',
    AGGREGATES_REFRESH_SECONDS: '0', SHUTDOWN_GRACE: '2', LOG_LEVEL: 'warn', ...upstreams.env,
  };
  const ports = [await freePort(), await freePort()];
  gateways = ports.map((port) => `http://127.0.0.1:${port}`);
  workerNames = [`${store.schema}_w1`, `${store.schema}_w2`];
  const named = (name: string) => {
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('application_name', name);
    return url.href;
  };
  const [gatewayA] = ports.map((port) => passerelle('serve', { ...shared, DATABASE_URL: TEST_DATABASE_URL, PORT: String(port) }));
  const [workerOne] = workerNames.map((name) => passerelle('worker', { ...shared, DATABASE_URL: named(name) }));
  killed = { gateway: gatewayA, worker: workerOne };
  balancer = await startBalancer(publicPort, gateways);
  await until('both gateways are ready', async () => {
    const ready = await Promise.all(gateways.map((base) => fetch(`${base}/ready`).then((r) => r.ok, () => false)));
    return ready.every(Boolean);
  }, 240);

  const client = (scopes: string[], base: string) => createClientWithToken(store.db, base, { scopes, perimeter: ['national'] }).then((c) => c.token);
  tokens = {
    writer: await client(['sync.write', 'roster.read'], gateways[A]),
    reader: await client(['roster.read'], gateways[B]),
    // The listings the consumer ends compared with: the consumer's own allowance may be mostly spent by then.
    lister: await client(['roster.read'], gateways[B]),
    limited: await client(['roster.read'], gateways[A]),
    // The load's clients, each well under the limit at the pace the load keeps.
    load: await Promise.all(Array.from({ length: 16 }, (_, i) => client(['roster.read'], gateways[i % 2]))),
  };
  rp = (await registerRelyingParty(store.db, publicUrl, { name: 'ENT', scopes: ['openid', 'role'] })).rp;
  // Four processes loading the gateway through tsx take a while on a busy machine of two cores.
}, 300_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([rp?.close(), balancer?.close(), upstreams?.close()]);
  await store.close();
});

describe('two gateways and two workers on one store, one of each killed mid-way', () => {
  it('counts one rate-limit allowance across both gateways', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < RATE_LIMIT; i += 15) {
      statuses.push(...await Promise.all(Array.from({ length: 15 }, (_, j) =>
        fetch(`${gateways[(i + j) % 2]}/v1/establishments?limit=1`, { headers: { authorization: `Bearer ${tokens.limited}` } }).then((r) => r.status))));
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(RATE_LIMIT);
    for (const base of gateways) {
      const refused = await api(base, tokens.limited).get('/v1/establishments?limit=1');
      expect(refused.status).toBe(429);
      expect(refused.body.type).toMatch(/\/problems\/rate-limited$/);
    }
    }, 90_000);

  let tracked: TrackedRequests;
  let inFlightAtKill: TrackedRequest[] = [];
  let lastBeforeKill = 0;
  const replica = new Map<string, Entry>();
  const submitted: Job[] = [];
  let settled: Job[] = [];
  const nextExports = schools.slice(0, 2);
  let nextJobs: Job[] = [];

  /** The reads process `target` has answered, of those sent after request `after`. */
  const answered = (target: number, after = -1) => tracked.requests.filter((r) => r.id > after && r.target === target && r.status !== undefined).length;

  it('serves reads, imports, a change feed and an SSO login on both, through the loss of one gateway and one worker', async () => {
    tracked = new TrackedRequests(gateways);
    let stopping = false;
    // Three readers, each at most five requests a second, over the load's sixteen clients.
    let sent = 0;
    const readers = Array.from({ length: 3 }, async () => {
      while (!stopping) {
        const n = sent++;
        const path = n % 3 === 0 ? '/v1/establishments?limit=100' : `/v1/establishments/${schools[n % schools.length].uai}/people?limit=100`;
        await tracked.get(path, tokens.load[n % tokens.load.length]);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    // A consumer of the change feed, each page from the next gateway (a rotation of its own: sharing the readers'
    // could hand it the same gateway every time); a page lost with a gateway is asked again.
    let cursor: string | undefined;
    const follow = async () => {
      for (;;) {
        const { request, body } = await tracked.get(`/v1/changes?limit=100${cursor ? `&since=${encodeURIComponent(cursor)}` : ''}`, tokens.reader, 'consumer');
        if (request.status === undefined) continue;
        expect(request.status).toBe(200);
        const page = body as { data: Entry[]; cursor: string; hasMore: boolean };
        for (const entry of page.data) {
          if (entry.op === 'delete') replica.delete(entry.id);
          else replica.set(entry.id, entry);
        }
        cursor = page.cursor;
        if (!page.hasMore) return;
      }
    };
    const consumer = (async () => {
      while (!stopping) {
        await follow();
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();

    try {
      await churn();
      stopping = true;
      await Promise.all([...readers, consumer]);
      await follow();
    } finally {
      stopping = true;
      await Promise.allSettled([...readers, consumer]);
    }
  }, 180_000);

  /** Imports and a login across both gateways, one gateway and one worker killed mid-way, then more imports. */
  async function churn(): Promise<void> {
    const browser = new HttpBrowser();
    let loginForm: BrowserPage;
    // Another writer holds the change counter: the imports stop inside their transactions, mid-write.
    const blocker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query(`select seq from "${store.schema}".change_counter for update`);
    try {
      for (const [i, school] of schools.entries()) submitted.push(await submit(gateways[i % 2], school.uai, school.pupils.exportOf(school.pupils.all)));
      // An SSO login begins on gateway A: the authorization request and the choice of provider.
      balancer.routeTo([A]);
      loginForm = await browser.follow(await browser.open(rp.loginUrl), 'Académie');
      expect(loginForm.url.origin).toBe(upstreams.oidc.issuer);

      await until('the first worker is in the middle of an import', async () => {
        const waiting = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where application_name = ${workerNames[0]} and wait_event_type = 'Lock'`.execute(store.db);
        return Number(waiting.rows[0].n) > 0;
      }, 90);
      await until('gateway A has answered reads', () => answered(A) >= 10);
      inFlightAtKill = tracked.takeOut(A);
      lastBeforeKill = tracked.requests.length - 1;
      balancer.routeTo([B]);
      const exits = [killed.gateway, killed.worker].map((child) => new Promise((resolve) => child.once('exit', resolve)));
      killed.gateway.kill('SIGKILL');
      killed.worker.kill('SIGKILL');
      await Promise.all(exits);
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }

    // The login ends on gateway B: back from the provider, the code exchange, the relying party's token request.
    const done = await browser.submit(loginForm, { login: 'paul', password: PASSWORD });
    expect(done.url.origin).toBe(rp.url);
    expect(rp.sessions()).toHaveLength(1);
    const paths = (target: number) => balancer.log.filter((entry) => entry.target === target).map((entry) => entry.path.split('?')[0]);
    expect(paths(A)).toContain('/oauth/authorize');
    expect(paths(A).some((path) => path.startsWith('/sso/'))).toBe(true);
    expect(paths(B)).toEqual(expect.arrayContaining(['/sso/callback/academie', '/oauth/token']));
    await until('gateway B has answered reads since', () => answered(B, lastBeforeKill) >= 10);
    settled = await settle(submitted);
    // The next exports of two schools, two pupils fewer each, through the gateway left.
    const fewer = (school: (typeof schools)[number]) => school.pupils.exportOf(school.pupils.all.slice(2));
    nextJobs = await settle(await Promise.all(nextExports.map((school) => submit(gateways[B], school.uai, fewer(school)))));
  }

  it('loses no request but those in flight on the killed gateway', () => {
    expect(tracked.pending()).toEqual([]);
    const failed = tracked.requests.filter((request) => request.error !== undefined);
    expect(failed.filter((request) => !inFlightAtKill.includes(request))).toEqual([]);
    expect(tracked.requests.filter((request) => request.status !== undefined && request.status !== 200)).toEqual([]);
    const after = tracked.requests.slice(lastBeforeKill + 1);
    expect(after.filter((request) => request.target !== B)).toEqual([]);
    expect(killed.gateway.signalCode).toBe('SIGKILL');
  });

  it('completes every job, each with its effect written once', async () => {
    expect(settled.map((job) => [job.state, job.counts])).toEqual(submitted.map(() => ['completed', { created: RECORDS, updated: 0, unchanged: 0, deleted: 0, rejected: 0 }]));
    // The killed worker's imports ran again on the other.
    expect(settled.some((job) => job.attempts >= 2)).toBe(true);
    expect(nextJobs.map((job) => [job.state, job.counts])).toEqual(nextExports.map(() => ['completed', { created: 0, updated: 0, unchanged: RECORDS - 4, deleted: 4, rejected: 0 }]));

    const uais = schools.map((school) => school.uai);
    const active = await store.db.selectFrom('roster_record').select(['uai', (eb) => eb.fn.countAll<string>().as('n')])
      .where('uai', 'in', uais).where('status', '=', 'active').groupBy('uai').execute();
    expect(Object.fromEntries(active.map((row) => [row.uai, Number(row.n)])))
      .toEqual(Object.fromEntries(schools.map((school) => [school.uai, nextExports.includes(school) ? RECORDS - 4 : RECORDS])));
    // Each record's versions in the change log: created once, and deleted once where the next export left it out.
    const histories = await sql<{ ops: string }>`select string_agg(op, ',' order by seq) as ops from change_log
      where uai in (${sql.join(uais)}) and entity in ('person', 'group', 'membership') group by record_id`.execute(store.db);
    const count = (ops: string) => histories.rows.filter((row) => row.ops === ops).length;
    expect(histories.rows).toHaveLength(schools.length * RECORDS);
    expect([count('upsert'), count('upsert,delete')]).toEqual([schools.length * RECORDS - 8, 8]);
  });

  it('brings a consumer of the change feed that read from both gateways to exactly what the listings show', async () => {
    const reader = api(gateways[B], tokens.lister);
    const listed = new Map<string, Record<string, unknown>>();
    const establishments = (await reader.get('/v1/establishments?limit=1000')).body.data as Record<string, unknown>[];
    for (const record of establishments) {
      listed.set(record.id as string, record);
      for (const collection of ['people', 'groups', 'memberships', 'guardian-links', 'subjects', 'rooms', 'academic-years']) {
        const page = (await reader.get(`/v1/establishments/${record.uai as string}/${collection}?limit=1000`)).body as { data: Record<string, unknown>[]; next: string | null };
        expect(page.next).toBeNull();
        for (const item of page.data) listed.set(item.id as string, item);
      }
    }
    expect(listed.size).toBe(schools.length * RECORDS - 8 + establishments.length + 1);
    expect(new Map([...replica].map(([id, entry]) => [id, entry.record]))).toEqual(listed);
    const pages = tracked.requests.filter((request) => request.path.startsWith('/v1/changes'));
    expect(new Set(pages.map((request) => request.target))).toEqual(new Set([A, B]));
    }, 90_000);
});

function submit(base: string, uai: string, file: Buffer): Promise<Job> {
  return api(base, tokens.writer).request<Job>('POST', `/v1/sync/jobs?connector=onde&uai=${uai}&filename=eleves.csv`, {
    body: file, headers: { 'content-type': 'text/csv' },
  }).then((answer) => {
    expect(answer.status).toBe(202);
    return answer.body;
  });
}

/**
 * The jobs once none is queued or running, as the gateway left standing reports them. The wait reads the store:
 * polling over HTTP would spend the writer's rate-limit allowance (150 a minute here) in seconds.
 */
async function settle(jobs: readonly Job[]): Promise<Job[]> {
  const ids = jobs.map((job) => job.id);
  await until('every job settles', async () => {
    const pending = await store.db.selectFrom('sync_job').select('id').where('id', 'in', ids).where('state', 'in', ['queued', 'running']).execute();
    return pending.length === 0;
  });
  return Promise.all(jobs.map(async (job) => (await api(gateways[B], tokens.writer).get<Job>(`/v1/sync/jobs/${job.id}`)).body));
}
