// Protection of the API: a per-client rate limit shared by every replica (Redis), answered with a 429 problem and
// Retry-After and counted in the metrics; CORS only for the origins the operator lists; a limit on JSON bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientWithToken } from '../support/clients.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the per-client rate limit', () => {
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    a = await startTestGateway('rate_limit', { RATE_LIMIT_PER_MINUTE: '5' });
    // One deployment: the same store, queue prefix and public URL (the token's issuer), two processes.
    b = await startTestGateway('rate_limit', { RATE_LIMIT_PER_MINUTE: '5', DATABASE_SCHEMA: a.schema, QUEUE_PREFIX: a.schema, PUBLIC_URL: a.baseUrl });
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('holds across two replicas, answers 429 with Retry-After, and leaves other clients alone', async () => {
    const db = a.gateway.store.db;
    const first = await createClientWithToken(db, a.baseUrl, { scopes: ['roster.read'], perimeter: ['national'] });
    const other = await createClientWithToken(db, a.baseUrl, { scopes: ['roster.read'], perimeter: ['national'] });
    const statuses: number[] = [];
    for (const base of [a, b, a, b, a]) statuses.push((await fetch(`${base.baseUrl}/v1/establishments`, { headers: bearer(first.token) })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);

    const refused = await fetch(`${b.baseUrl}/v1/establishments`, { headers: bearer(first.token) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).type).toBe(`${a.baseUrl}/problems/rate-limited`);
    expect((await fetch(`${a.baseUrl}/v1/establishments`, { headers: bearer(first.token) })).status).toBe(429);

    expect((await fetch(`${a.baseUrl}/v1/establishments`, { headers: bearer(other.token) })).status).toBe(200);
    const metrics = await (await fetch(`${b.baseUrl}/metrics`)).text();
    expect(metrics).toContain(`passerelle_rate_limited_requests_total{client="${first.clientId}"} 1`);
  });
});

describe('CORS and body limits', () => {
  let open: TestGateway;
  let closed: TestGateway;

  beforeAll(async () => {
    open = await startTestGateway('cors', { CORS_ORIGINS: 'https://ent.example.fr', MAX_JSON_MB: '1' });
    closed = await startTestGateway('cors_none');
  });

  afterAll(async () => {
    await open?.close();
    await closed?.close();
  });

  const preflight = (base: TestGateway, origin: string) => fetch(`${base.baseUrl}/v1/establishments`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });

  it('answers a listed origin\'s preflight and requests, and no other origin\'s', async () => {
    const allowed = await preflight(open, 'https://ent.example.fr');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ent.example.fr');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect((await preflight(open, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    expect((await preflight(closed, 'https://ent.example.fr')).headers.get('access-control-allow-origin')).toBeNull();
    const { token } = await createClientWithToken(open.gateway.store.db, open.baseUrl, { scopes: ['roster.read'], perimeter: ['national'] });
    const read = await fetch(`${open.baseUrl}/v1/establishments`, { headers: { ...bearer(token), origin: 'https://ent.example.fr' } });
    expect(read.headers.get('access-control-allow-origin')).toBe('https://ent.example.fr');
    expect(read.headers.get('access-control-expose-headers')).toContain('ETag');
  });

  it('refuses a JSON body over MAX_JSON_MB with a 413 problem', async () => {
    const { token } = await createClientWithToken(open.gateway.store.db, open.baseUrl, { scopes: ['sync.write'], perimeter: ['national'] });
    const response = await fetch(`${open.baseUrl}/v1/establishments/0690001A/batches`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ records: [], padding: 'x'.repeat(1_100_000) }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).type).toBe(`${open.baseUrl}/problems/too-large`);
  });
});
