// Reads from a streaming replica (DATABASE_READ_URL), against a real primary and hot standby started for this file:
// listings read from the replica while writes land on the primary, a cursor ahead of the replica is served from
// the primary after a short wait (never backwards), the metrics tell the lag, and a replica that is down sends
// reads to the primary without failing them.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../gateway/config/config.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, newUai, pupil, upsert } from '../support/fixtures.js';
import { freePort, startTestGateway, TEST_DATABASE_URL, type TestGateway } from '../support/gateway.js';
import { startStreamingReplica, type StreamingReplica } from '../support/streaming-replica.js';
import { until } from '../support/until.js';

let cluster: StreamingReplica;
let t: TestGateway;
let primary: pg.Client;
let standby: pg.Client;
let http: Api;
const uai = newUai('069');

async function connect(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path="${schema}"` });
  await client.connect();
  return client;
}

const headOf = async (client: pg.Client) => BigInt((await client.query<{ seq: string }>('select seq from change_counter where id = 1')).rows[0].seq);

async function replicaCaughtUp(): Promise<void> {
  const target = await headOf(primary);
  for (let i = 0; i < 200 && (await headOf(standby)) < target; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(await headOf(standby)).toBeGreaterThanOrEqual(target);
}

/** The change-log position inside a cursor (cursors are opaque to clients; the test looks inside to compare them). */
const positionOf = (cursor: string) => BigInt((JSON.parse(Buffer.from(cursor.split('.')[0], 'base64url').toString()) as { s: string }).s);

async function metric(name: string, labels = ''): Promise<number | undefined> {
  const text = (await fetch(`${t.baseUrl}/metrics`).then((r) => r.text()));
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

const listedIds = async () => ((await http.get(`/v1/establishments/${uai}/people?limit=1000`)).body as { data: { id: string }[] }).data.map((r) => r.id);

async function write(record: Record<string, unknown>): Promise<string> {
  const response = await http.post(`/v1/establishments/${uai}/batch`, { records: [upsert('person', record)] });
  expect(response.status).toBe(200);
  return (response.body as { changeCursor: string }).changeCursor;
}

beforeAll(async () => {
  cluster = await startStreamingReplica();
  t = await startTestGateway('replica', { DATABASE_URL: cluster.primaryUrl, DATABASE_READ_URL: cluster.replicaUrl, DATABASE_READ_WAIT_MS: '1500' });
  primary = await connect(cluster.primaryUrl, t.schema);
  standby = await connect(cluster.replicaUrl, t.schema);
  await putEstablishment(t.gateway.store.db, establishment(uai));
  const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read', 'roster.identifiers', 'sync.write'], perimeter: [`uai:${uai}`] });
  http = api(t.baseUrl, token);
  await replicaCaughtUp();
}, 120_000);

afterAll(async () => {
  try {
    await standby?.query('select pg_wal_replay_resume()').catch(() => undefined);
    await Promise.all([primary?.end(), standby?.end()]);
    await t?.close();
  } finally {
    await cluster?.stop();
  }
}, 60_000);

describe('reads from a streaming replica', () => {
  it('lists from the replica, writes to the primary, and serves a cursor the replica has not reached from the primary', async () => {
    const before = (await http.get('/v1/changes')).body as { cursor: string };
    await standby.query('select pg_wal_replay_pause()');
    try {
      const first = pupil();
      const afterFirst = await write(first);
      const second = pupil();
      const afterSecond = await write(second);
      // The writes are on the primary; the paused replica has neither.
      expect((await primary.query('select id from roster_record where id = any($1::uuid[])', [[first.id, second.id]])).rowCount).toBe(2);
      expect((await standby.query('select id from roster_record where id = any($1::uuid[])', [[first.id, second.id]])).rowCount).toBe(0);

      // A listing without a cursor reads from the replica: not there yet. Its change cursor is where it read.
      const listing = await http.get(`/v1/establishments/${uai}/people?limit=1000`);
      expect((listing.body as { data: { id: string }[] }).data.map((r) => r.id)).not.toContain(first.id);
      expect(positionOf((listing.body as { changeCursor: string }).changeCursor)).toBeLessThan(positionOf(afterFirst));

      // A cursor the replica has replayed reads there: nothing new, and the cursor does not move back.
      const behind = await http.get(`/v1/changes?since=${encodeURIComponent(before.cursor)}`);
      expect(behind.status).toBe(200);
      expect(positionOf((behind.body as { cursor: string }).cursor)).toBeGreaterThanOrEqual(positionOf(before.cursor));

      // The first write's cursor is ahead of the replica: after the wait, the primary serves it, with the second.
      const fallbacks = (await metric('passerelle_read_replica_fallbacks_total', '{reason="behind"}')) ?? 0;
      const ahead = await http.get(`/v1/changes?since=${encodeURIComponent(afterFirst)}`);
      expect(ahead.status).toBe(200);
      const body = ahead.body as { data: { id: string }[]; cursor: string };
      expect(body.data.map((e) => e.id)).toEqual([second.id]);
      expect(positionOf(body.cursor)).toBe(positionOf(afterSecond));
      expect(await metric('passerelle_read_replica_fallbacks_total', '{reason="behind"}')).toBe(fallbacks + 1);

      // The metrics tell how far behind the replica is.
      expect(await metric('passerelle_change_log_head_seq')).toBe(Number(await headOf(primary)));
      expect(await metric('passerelle_read_replica_lag_seq')).toBe(Number((await headOf(primary)) - (await headOf(standby))));
      expect(await metric('passerelle_read_replica_lag_seq')).toBeGreaterThanOrEqual(2);
      expect(await metric('passerelle_read_replica_lag_seconds')).toBeGreaterThan(0);
      expect(await metric('passerelle_read_replica_up')).toBe(1);
    } finally {
      await standby.query('select pg_wal_replay_resume()');
    }
    await replicaCaughtUp();
    expect(await metric('passerelle_read_replica_lag_seq')).toBe(0);
    // The change counter can be replayed before the rest of the WAL received with it (the lag in seconds counts
    // until the replica has replayed all it received).
    await until('the replica has replayed all it received', async () => (await metric('passerelle_read_replica_lag_seconds')) === 0, 10);
  });

  it('waits for the replica when it replays within the wait, and reads there', async () => {
    await standby.query('select pg_wal_replay_pause()');
    const record = pupil();
    let cursor: string;
    try {
      cursor = await write(record);
    } catch (error) {
      await standby.query('select pg_wal_replay_resume()');
      throw error;
    }
    const fallbacks = (await metric('passerelle_read_replica_fallbacks_total', '{reason="behind"}')) ?? 0;
    const request = http.get(`/v1/changes?since=${encodeURIComponent(cursor)}`);
    // Replay resumes while the request waits for it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await standby.query('select pg_wal_replay_resume()');
    const changes = await request;
    expect(changes.status).toBe(200);
    expect(positionOf((changes.body as { cursor: string }).cursor)).toBeGreaterThanOrEqual(positionOf(cursor));
    expect(await metric('passerelle_read_replica_fallbacks_total', '{reason="behind"}')).toBe(fallbacks);
    expect(await listedIds()).toContain(record.id);
  });

  it('never hands a client following the feed a cursor behind one it holds, while replay stops and starts', async () => {
    let cursor = ((await http.get('/v1/changes')).body as { cursor: string }).cursor;
    const seen = new Set<string>();
    const written: string[] = [];
    for (let round = 0; round < 6; round += 1) {
      if (round % 2 === 0) await standby.query('select pg_wal_replay_pause()');
      else await standby.query('select pg_wal_replay_resume()');
      const record = pupil();
      written.push(record.id as string);
      const afterWrite = await write(record);
      // Half the time the client reads from the write's cursor (ahead of a paused replica), else from its own.
      const since = round % 3 === 0 ? afterWrite : cursor;
      const page = (await http.get(`/v1/changes?since=${encodeURIComponent(since)}`)).body as { data: { id: string }[]; cursor: string };
      for (const entry of page.data) seen.add(entry.id);
      // Jumping to its write's cursor, the client skips what it wrote before: it knows those from its writes.
      if (since === afterWrite) for (const id of written) seen.add(id);
      expect(positionOf(page.cursor)).toBeGreaterThanOrEqual(positionOf(since));
      cursor = page.cursor;
    }
    await standby.query('select pg_wal_replay_resume()');
    await replicaCaughtUp();
    const rest = (await http.get(`/v1/changes?since=${encodeURIComponent(cursor)}`)).body as { data: { id: string }[] };
    for (const entry of rest.data) seen.add(entry.id);
    expect(written.filter((id) => !seen.has(id))).toEqual([]);
  });

  it('serves a listing\'s next page the replica has not reached from the primary: no row is missed', async () => {
    // A gateway reading the primary only (as one would after its replica failed) hands out the first page's cursor.
    const direct = await startTestGateway('replica_direct', { DATABASE_URL: cluster.primaryUrl, DATABASE_SCHEMA: t.schema });
    try {
      const { token } = await createClientWithToken(t.gateway.store.db, direct.baseUrl, { scopes: ['roster.read', 'sync.write'], perimeter: [`uai:${uai}`] });
      const onPrimary = api(direct.baseUrl, token);
      await standby.query('select pg_wal_replay_pause()');
      try {
        for (let i = 0; i < 3; i += 1) await write(pupil());
        const everyone = ((await onPrimary.get(`/v1/establishments/${uai}/people?limit=1000`)).body as { data: { id: string }[] }).data.map((r) => r.id);
        const first = (await onPrimary.get(`/v1/establishments/${uai}/people?limit=2`)).body as { data: { id: string }[]; next: string };
        const fallbacks = (await metric('passerelle_read_replica_fallbacks_total', '{reason="behind"}')) ?? 0;
        const listed = first.data.map((r) => r.id);
        // The rest of the pages, through the gateway that reads from the paused replica.
        for (let next: string | null = first.next; next; ) {
          const page = (await http.get(new URL(next).pathname + new URL(next).search)).body as { data: { id: string }[]; next: string | null };
          listed.push(...page.data.map((r) => r.id));
          next = page.next;
        }
        expect(listed).toEqual(everyone);
        expect(await metric('passerelle_read_replica_fallbacks_total', '{reason="behind"}')).toBeGreaterThan(fallbacks);
      } finally {
        await standby.query('select pg_wal_replay_resume()');
      }
    } finally {
      await direct.close();
    }
    await replicaCaughtUp();
  });

  it('says on /ready that the replica answers', async () => {
    const ready = await api(t.baseUrl).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.readReplica).toBe('ok');
  });
});

describe('a read replica that is down', () => {
  let down: TestGateway;
  afterAll(async () => down?.close());

  it('sends reads to the primary, stays ready, and says so', async () => {
    down = await startTestGateway('replica_down', { DATABASE_URL: TEST_DATABASE_URL, DATABASE_READ_URL: `postgres://postgres@127.0.0.1:${await freePort()}/test` });
    const local = newUai('069');
    await putEstablishment(down.gateway.store.db, establishment(local));
    const { token } = await createClientWithToken(down.gateway.store.db, down.baseUrl, { scopes: ['roster.read', 'sync.write'], perimeter: [`uai:${local}`] });
    const client = api(down.baseUrl, token);
    const record = pupil();
    expect((await client.post(`/v1/establishments/${local}/batch`, { records: [upsert('person', record)] })).status).toBe(200);
    const listing = await client.get(`/v1/establishments/${local}/people`);
    expect(listing.status).toBe(200);
    expect((listing.body as { data: { id: string }[] }).data.map((r) => r.id)).toEqual([record.id]);
    expect((await client.get('/v1/changes')).status).toBe(200);

    const ready = await api(down.baseUrl).get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.readReplica).toBe('unreachable');
    const metrics = await fetch(`${down.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^passerelle_read_replica_up 0$/m);
    expect(metrics).toMatch(/^passerelle_read_replica_fallbacks_total\{reason="unreachable"\} [1-9]/m);
    expect(metrics).toMatch(/^passerelle_read_replica_lag_seq NaN$/im);
    expect(metrics).toMatch(/^passerelle_read_replica_lag_seconds NaN$/im);
  });
});

describe('DATABASE_READ_URL', () => {
  it('is refused without DATABASE_URL, or when it is not a postgres URL', () => {
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://replica/db' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_URL: 'mysql://replica/db' })).toThrow(/DATABASE_READ_URL must be a postgres/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_WAIT_MS: '-1' })).toThrow(/DATABASE_READ_WAIT_MS/);
    expect(loadConfig({ DATABASE_URL: 'postgres://primary/db', DATABASE_READ_URL: 'postgresql://replica/db' })).toMatchObject({
      databaseReadUrl: 'postgresql://replica/db', databaseReadWaitMs: 1000,
    });
  });
});
