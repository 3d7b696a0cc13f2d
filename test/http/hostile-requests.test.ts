// Requests built to break the gateway: a JSON body nested 200,000 levels deep, and an access token in the
// query string (RFC 6750 §2.3 advises against it: URLs are logged). Each gets a clear 4xx and leaks nothing.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api, type Api } from '../support/api.js';

interface Problem { type: string; status: number; detail: string; instance?: string; errors?: { pointer: string; detail: string }[] }

const logLines: string[] = [];
let t: TestGateway;
let token: string;
let writer: Api;
const uai = newUai('069');

beforeAll(async () => {
  const sink = new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } });
  t = await startTestGateway('hostile', { LOG_LEVEL: 'info' }, createLogger('info', sink));
  await putEstablishment(t.gateway.store.db, establishment(uai, LYON));
  token = (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write', 'roster.read'], perimeter: ['departement:069'] })).token;
  writer = api(t.baseUrl, token);
});
afterAll(async () => t?.close());

describe('a JSON body nested too deep', () => {
  it('is a 400 naming the body, not a 500', async () => {
    const depth = 200_000;
    const body = `{"records":[${'['.repeat(depth)}${']'.repeat(depth)}]}`;
    const answer = await writer.request<Problem>('POST', `/v1/establishments/${uai}/batch`, { body, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(answer.body.type).toBe(`${t.baseUrl}/problems/validation`);
    expect(answer.body.errors).toEqual([{ pointer: '/body', detail: expect.stringMatching(/nested more than \d+ levels deep/) }]);
  });

  it('still takes an ordinary batch', async () => {
    const answer = await writer.post(`/v1/establishments/${uai}/batch`, { records: [upsert('person', pupil())] });
    expect(answer.status).toBe(200);
  });
});

describe('an access token in the query string', () => {
  it('is refused (400 invalid_request), and neither the problem nor the logs repeat it', async () => {
    const answer = await api(t.baseUrl).get<Problem>(`/v1/establishments?type=college&access_token=${token}`);
    expect(answer.status).toBe(400);
    expect(answer.body.type).toBe(`${t.baseUrl}/problems/token-in-query`);
    expect(answer.body.detail).toMatch(/Authorization: Bearer/);
    expect(answer.headers.get('www-authenticate')).toMatch(/error="invalid_request"/);
    expect(answer.body.instance).toBe('/v1/establishments?type=college&access_token=[redacted]');
    expect(JSON.stringify(answer.body)).not.toContain(token);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const logged = logLines.filter((line) => line.includes('/v1/establishments?type=college'));
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logLines) expect(line).not.toContain(token);
  });

  it('is refused even beside a valid Authorization header, and under a percent-encoded name', async () => {
    for (const name of ['access_token', 'access%5Ftoken', 'ACCESS_TOKEN']) {
      const answer = await writer.get<Problem>(`/v1/establishments?${name}=${token}`);
      expect(answer.status).toBe(400);
      expect(answer.body.type).toBe(`${t.baseUrl}/problems/token-in-query`);
      expect(answer.body.instance).toBe(`/v1/establishments?${name}=[redacted]`);
    }
  });
});
