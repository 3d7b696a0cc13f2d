// OpenTelemetry traces, exported over OTLP/HTTP to a stand-in collector: a request is a server span named by its
// route, continuing the caller's trace, with a child span per SQL statement (its text, never its values); a job the
// request submits runs in the same trace, in a `passerelle worker` process (BullMQ on Redis) or in the gateway
// itself (no Redis). Tracing is off unless an exporter is named: then nothing is sent.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../gateway/config/config.js';
import { tracer } from '../../gateway/observability/spans.js';
import { startTracing } from '../../gateway/observability/tracing.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, TEST_DATABASE_URL, TEST_REDIS_URL, type TestGateway } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

let receiver: OtlpReceiver;
let tracingOn: Record<string, string>;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracingOn = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await receiver?.close();
});

/** A gateway for one test, closed at the end of the file if the test did not close it. */
async function gatewayWith(prefix: string, env: Record<string, string>): Promise<TestGateway> {
  const t = await startTestGateway(prefix, env);
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= t.close());
  cleanups.push(close);
  return { ...t, close };
}

interface World {
  t: TestGateway;
  uai: string;
  client: Api;
}

async function world(t: TestGateway): Promise<World> {
  const uai = newUai('069');
  await putEstablishment(t.gateway.store.db, establishment(uai, LYON, { type: 'ecole' }));
  const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write', 'roster.read'], perimeter: [`uai:${uai}`] });
  return { t, uai, client: api(t.baseUrl, token) };
}

/** Submits an ONDE import over HTTP and waits until it has run; its id. */
async function importRun({ client, uai }: World): Promise<string> {
  const school = ondePupils(3, '10240');
  const submitted = await client.request<{ id: string }>('POST', `/v1/sync/jobs?connector=onde&uai=${uai}&filename=eleves.csv`, {
    body: school.exportOf(school.all), headers: { 'content-type': 'text/csv' },
  });
  expect(submitted.status).toBe(202);
  // A worker process compiles the gateway as it starts (tsx): on a busy machine, that takes a while.
  for (const end = Date.now() + 120_000; Date.now() < end;) {
    const { state } = (await client.get<{ state: string }>(`/v1/sync/jobs/${submitted.body.id}`)).body;
    if (!['queued', 'running'].includes(state)) {
      expect(state).toBe('completed');
      return submitted.body.id;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${submitted.body.id} did not settle`);
}

const childrenOf = (parent: ReceivedSpan) => receiver.spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);
const sqlSpans = (spans: ReceivedSpan[]) => spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');

function jobRunOf(jobId: string): ReceivedSpan {
  const runs = receiver.spans.filter((s) => s.attributes['passerelle.job.id'] === jobId);
  expect(runs).toHaveLength(1);
  return runs[0];
}

function submissionOf(jobRun: ReceivedSpan): ReceivedSpan {
  const [submission] = receiver.spans.filter((s) => s.spanId === jobRun.parentSpanId);
  expect(submission).toMatchObject({ traceId: jobRun.traceId, name: 'POST /v1/sync/jobs', kind: SERVER, service: 'passerelle-gateway' });
  return submission;
}

describe('with OTEL_TRACES_EXPORTER=otlp', () => {
  it('traces a request under its route and the caller\'s trace, with a span per SQL statement that never holds its values', async () => {
    const t = await gatewayWith('tracing_request', { REDIS_URL: '', ...tracingOn });
    const w = await world(t);
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const answer = await w.client.get(`/v1/establishments/${w.uai}`, { headers: { traceparent: `00-${traceId}-${callerSpan}-01`, 'x-request-id': 'traced-1' } });
    expect(answer.status).toBe(200);
    // A request with a JSON body, read before its route runs: its statements stay in its trace all the same.
    const admin = api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['admin'], perimeter: ['departement:069'] })).token);
    const created = newUai('069');
    expect((await admin.put(`/v1/establishments/${created}`, establishment(created, LYON))).status).toBe(201);
    await t.close();

    expect(new Set(receiver.contentTypes)).toEqual(new Set(['application/json']));
    const [request] = receiver.spans.filter((s) => s.traceId === traceId && s.parentSpanId === callerSpan);
    expect(request).toMatchObject({
      name: 'GET /v1/establishments/:uai',
      kind: SERVER,
      service: 'passerelle-gateway',
      attributes: { 'http.request.method': 'GET', 'http.route': '/v1/establishments/:uai', 'http.response.status_code': 200, 'passerelle.request_id': 'traced-1' },
    });
    // Statements run outside any span (the migrator, timers) make none: a trace of one statement is noise.
    expect(sqlSpans(receiver.spans).filter((s) => !s.parentSpanId)).toEqual([]);
    const statements = sqlSpans(childrenOf(request));
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement).toMatchObject({ kind: CLIENT, attributes: { 'db.system': 'postgresql', 'db.operation.name': statement.name } });
      expect(statement.attributes['db.query.text']).not.toContain(w.uai);
    }
    expect(statements.some((s) => /\$1\b/.test(String(s.attributes['db.query.text'])))).toBe(true);
    // No span names the raw path, which holds the identifier.
    expect(receiver.spans.filter((s) => s.name.includes(w.uai))).toEqual([]);

    const [write] = receiver.spans.filter((s) => s.name === 'PUT /v1/establishments/:uai');
    expect(sqlSpans(childrenOf(write)).filter((s) => s.name === 'INSERT').length).toBeGreaterThan(0);
  }, 60_000);

  it('samples as OTEL_TRACES_SAMPLER says: parentbased_always_off keeps only the traces callers sampled', async () => {
    const t = await gatewayWith('tracing_sampler', { REDIS_URL: '', ...tracingOn, OTEL_TRACES_SAMPLER: 'parentbased_always_off' });
    const w = await world(t);
    const sampled = randomBytes(16).toString('hex');
    const dropped = randomBytes(16).toString('hex');
    const path = `/v1/establishments/${w.uai}`;
    await w.client.get(path, { headers: { traceparent: `00-${sampled}-${randomBytes(8).toString('hex')}-01` } });
    await w.client.get(path, { headers: { traceparent: `00-${dropped}-${randomBytes(8).toString('hex')}-00` } });
    await w.client.get(path, { headers: { 'x-request-id': 'untraced' } });
    await t.close();

    expect(receiver.spans.some((s) => s.traceId === sampled && s.kind === SERVER)).toBe(true);
    expect(receiver.spans.filter((s) => s.traceId === dropped || s.attributes['passerelle.request_id'] === 'untraced')).toEqual([]);
  }, 60_000);

  it('runs a job submitted over HTTP in a worker process, in the trace of the request that submitted it', async () => {
    const t = await gatewayWith('tracing_worker', tracingOn);
    const env = {
      ...process.env,
      DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: t.schema, LOG_LEVEL: 'warn',
      ...tracingOn,
    };
    const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'worker'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    cleanups.push(async () => { worker.kill('SIGKILL'); await exited; });

    const jobId = await importRun(await world(t));
    worker.kill('SIGTERM'); // a worker exports the spans it still holds as it stops
    expect(await exited).toBe(0);
    await t.close();

    const run = jobRunOf(jobId);
    expect(run).toMatchObject({
      name: 'sync job import', kind: CONSUMER, service: 'passerelle-worker',
      attributes: { 'passerelle.job.kind': 'import', 'passerelle.job.connector': 'onde', 'passerelle.job.attempt': 1, 'passerelle.job.state': 'completed' },
    });
    submissionOf(run);
    expect(sqlSpans(childrenOf(run)).every((s) => s.service === 'passerelle-worker')).toBe(true);
    expect(sqlSpans(childrenOf(run)).length).toBeGreaterThan(0);
  }, 180_000);

  it('runs a job in the gateway itself (no Redis) in the trace of the request that submitted it', async () => {
    const t = await gatewayWith('tracing_local', { REDIS_URL: '', ...tracingOn });
    const jobId = await importRun(await world(t));
    await t.close();

    const run = jobRunOf(jobId);
    expect(run).toMatchObject({ name: 'sync job import', kind: CONSUMER, service: 'passerelle-gateway' });
    submissionOf(run);
    expect(sqlSpans(childrenOf(run)).length).toBeGreaterThan(0);
  }, 60_000);
});

it('sends nothing when no exporter is named, wherever the endpoint points', async () => {
  const t = await gatewayWith('tracing_off', { REDIS_URL: '', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const before = receiver.contentTypes.length;
  await importRun(await world(t));
  await t.close();
  expect(receiver.contentTypes.length).toBe(before);
}, 60_000);

it('traces with the first of two tracing starts in one process, whichever closes first', async () => {
  const settings = loadConfig({ DATABASE_URL: TEST_DATABASE_URL, ...tracingOn }).tracing;
  const recording = () => tracer().startSpan('probe').isRecording();
  const first = await startTracing(settings, 'first');
  const second = await startTracing(settings, 'second');
  expect([first.enabled, second.enabled]).toEqual([true, false]);
  await second.close();
  expect(recording()).toBe(true);
  await first.close();
  expect(recording()).toBe(false);
});

describe('the tracing settings', () => {
  const load = (env: Record<string, string>) => loadConfig({ DATABASE_URL: TEST_DATABASE_URL, ...env }).tracing;

  it('are off by default, and say where spans go as the OTLP specification does', () => {
    expect(load({})).toEqual({ exporters: [], otlpTracesUrl: 'http://localhost:4318/v1/traces', serviceName: undefined, sampler: 'parentbased_always_on', samplerRatio: 1 });
    expect(load({ OTEL_TRACES_EXPORTER: 'otlp,console', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/', OTEL_SERVICE_NAME: 'passerelle-lyon' }))
      .toMatchObject({ exporters: ['otlp', 'console'], otlpTracesUrl: 'https://collector:4318/v1/traces', serviceName: 'passerelle-lyon' });
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.fr/otlp' }).otlpTracesUrl)
      .toBe('https://traces.example.fr/otlp');
    expect(load({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).exporters).toEqual([]);
    expect(load({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatchObject({ sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER must be otlp, console or none, or a comma-separated list of them (got "jaeger")'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (got "collector:4318")'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http:// or https:// URL (got "grpc://collector:4317")'],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio (got "sometimes")'],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got "1.5")'],
  ])('refuse %j at start, naming the variable', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });
});
