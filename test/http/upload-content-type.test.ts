// A file upload sent with curl's default type for --data-binary (application/x-www-form-urlencoded) is
// refused with a hint about uploads, not with "must be application/json"; JSON operations say JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Problem { type: string; status: number; detail: string }

let t: TestGateway;
let writer: Api;
const ecole = newUai('069');

beforeAll(async () => {
  t = await startTestGateway('upload_type');
  await putEstablishment(t.gateway.store.db, establishment(ecole, LYON, { type: 'ecole' }));
  writer = api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write'], perimeter: [`uai:${ecole}`] })).token);
});
afterAll(async () => t?.close());

describe('the Content-Type of a request body', () => {
  it('for an upload sent as a form, names the types an upload takes and how to send one with curl', async () => {
    const answer = await writer.request<Problem>('POST', `/v1/sync/jobs?connector=onde&uai=${ecole}`, {
      body: 'Nom élève;Prénom élève\r\n', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(answer.status).toBe(415);
    expect(answer.body.type).toBe(`${t.baseUrl}/problems/unsupported-media-type`);
    expect(answer.body.detail).toMatch(/takes a file as it is, with a Content-Type naming its kind: application\/octet-stream, .*text\/csv/);
    expect(answer.body.detail).toContain(`--data-binary @export.csv -H 'Content-Type: text/csv'`);
    expect(answer.body.detail).toContain('got "application/x-www-form-urlencoded"');
    expect(answer.body.detail).not.toMatch(/must be application\/json/);
  });

  it('for a JSON operation, says JSON', async () => {
    const answer = await writer.request<Problem>('POST', `/v1/establishments/${ecole}/batch`, { body: 'records', headers: { 'content-type': 'text/plain' } });
    expect(answer.status).toBe(415);
    expect(answer.body.type).toBe(`${t.baseUrl}/problems/unsupported-media-type`);
    expect(answer.body.detail).toBe('the body must be application/json (got "text/plain")');
  });
});
