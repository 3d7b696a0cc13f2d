import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, TEST_DATABASE_URL, type TestGateway } from '../support/gateway.js';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

let t: TestGateway;
const uai = newUai('069');
beforeAll(async () => {
  t = await startTestGateway('operations', { LOG_LEVEL: 'info' }, createLogger('info', sink));
  await putEstablishment(t.gateway.store.db, establishment(uai, LYON));
});
afterAll(async () => t?.close());

describe('health and readiness', () => {
  it('answers /health and /ready with the store and Redis checked', async () => {
    expect((await api(t.baseUrl).get('/health')).body).toEqual({ status: 'ok' });
    expect((await api(t.baseUrl).get('/ready')).body).toEqual({ status: 'ready', checks: { store: 'ok', redis: 'ok', readReplica: 'not-configured' } });
  });
});

describe('metrics', () => {
  it('tells requests by matched route (no identifiers), sync jobs by state and the last hour\'s run times, in the Prometheus format', async () => {
    const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['national'] });
    await api(t.baseUrl, token).get(`/v1/establishments/${uai}`);
    await t.gateway.store.db.insertInto('sync_job').values({
      id: '00000000-0000-4000-8000-000000000001', kind: 'import', connector: 'onde', mode: 'complete', uai, lock_key: uai, options: '{}',
      submitted_by: 'operator', idempotency_key: null, state: 'queued', priority: 1, input_size: 0, input_sha256: '',
      created_at: new Date(Date.now() - 60_000),
    }).execute();
    await t.gateway.store.db.insertInto('sync_job').values([42, 8].map((seconds, i) => ({
      id: `00000000-0000-4000-8000-00000000001${i}`, kind: 'import' as const, connector: 'aaf', mode: 'complete' as const, uai, lock_key: uai, options: '{}',
      submitted_by: 'operator', idempotency_key: null, state: 'completed' as const, priority: 1, input_size: 0, input_sha256: '',
      started_at: new Date(Date.now() - 120_000), finished_at: new Date(Date.now() - 120_000 + seconds * 1000),
    }))).execute();
    const metrics = await api(t.baseUrl).get<string>('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(/passerelle_http_request_duration_seconds_count\{method="GET",route="\/v1\/establishments\/:uai",status="200"\} [1-9]/);
    expect(metrics.body).not.toContain(uai);
    expect(metrics.body).toContain('passerelle_sync_jobs{kind="import",connector="onde",state="queued"} 1');
    expect(Number(/^passerelle_sync_oldest_queued_job_seconds (\S+)$/m.exec(metrics.body)![1])).toBeGreaterThanOrEqual(59);
    expect(metrics.body).toContain('passerelle_sync_job_duration_seconds{kind="import",connector="aaf",state="completed",statistic="median"} 25');
    expect(metrics.body).toContain('passerelle_sync_job_duration_seconds{kind="import",connector="aaf",state="completed",statistic="max"} 42');
    expect(metrics.body).toContain('passerelle_process_cpu_seconds_total');
  });
});

describe('logs', () => {
  it('log each request with its id, and never a token or a client secret', async () => {
    const { token, clientSecret } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['national'] });
    const response = await api(t.baseUrl, token).get('/v1/establishments', { headers: { 'x-request-id': 'trace-42' } });
    expect(response.headers.get('x-request-id')).toBe('trace-42');
    await fetch(`${t.baseUrl}/oauth/token`, {
      method: 'POST', body: `grant_type=client_credentials&client_secret=${clientSecret}&client_id=x`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const logged = lines.join('\n');
    expect(lines.some((l) => JSON.parse(l).req?.id === 'trace-42' && JSON.parse(l).res?.statusCode === 200)).toBe(true);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(token.split('.')[2]);
    expect(logged).not.toContain(clientSecret);
  });
});

describe('graceful shutdown', () => {
  it('lets a request in flight finish before closing', async () => {
    const local = await startTestGateway('shutdown');
    await putEstablishment(local.gateway.store.db, establishment(uai, LYON));
    const { token } = await createClientWithToken(local.gateway.store.db, local.baseUrl, { scopes: ['sync.write'], perimeter: ['national'] });
    // Hold the establishment's write lock from outside, so the batch waits in flight.
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${local.schema}` });
    await holder.connect();
    await holder.query('begin');
    await holder.query(`select pg_advisory_xact_lock(hashtext($1))`, [`establishment:${uai}`]);
    const inFlight = api(local.baseUrl, token).post(`/v1/establishments/${uai}/batch`, { records: [upsert('person', pupil())] });
    await new Promise((r) => setTimeout(r, 200));
    let closed = false;
    const closing = local.close().then(() => { closed = true; });
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    await holder.query('commit');
    await holder.end();
    const response = await inFlight;
    expect(response.status).toBe(200);
    await closing;
    expect(closed).toBe(true);
  });
});
