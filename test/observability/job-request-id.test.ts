// A job's log lines carry the X-Request-Id of the request that submitted it: an operator follows a request into
// the job it started, on whichever process runs it.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ondePupils } from '../support/onde-export.js';

let t: TestGateway;
const lines: Record<string, unknown>[] = [];
const ecole = newUai('069');

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  t = await startTestGateway('job_request_id', { REDIS_URL: '' }, createLogger('info', sink));
  await putEstablishment(t.gateway.store.db, establishment(ecole, LYON, { type: 'ecole' }));
}, 60_000);

afterAll(async () => {
  await t?.close();
});

it('logs the job under the request id that submitted it', async () => {
  const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write'], perimeter: [`uai:${ecole}`] });
  const school = ondePupils(3, '10230');
  const response = await fetch(`${t.baseUrl}/v1/sync/jobs?connector=onde&uai=${ecole}&filename=eleves.csv`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'x-request-id': 'ent-sync-2026-12-02-0800' },
    body: new Uint8Array(school.exportOf(school.all)),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  for (let i = 0; i < 100 && !lines.some((l) => l.jobId === id && l.msg !== 'sync job started'); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  const jobLines = lines.filter((l) => l.jobId === id);
  expect(jobLines.length).toBeGreaterThan(1);
  for (const line of jobLines) expect(line.requestId).toBe('ent-sync-2026-12-02-0800');
});
