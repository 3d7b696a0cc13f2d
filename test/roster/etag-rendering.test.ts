// A listing's ETag names the page's rendering: a caller whose scopes show more (identifying fields) never gets a
// 304 for a copy made without them, though the rows and their versions are the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const uai = newUai('069');
let reader: string;
let identifiers: string;

beforeAll(async () => {
  t = await startTestGateway('etag_rendering');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(uai, LYON));
  await applyBatch(db, uai, [upsert('person', pupil()), upsert('person', pupil())] as never);
  reader = (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: [`uai:${uai}`] })).token;
  identifiers = (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read', 'roster.identifiers'], perimeter: [`uai:${uai}`] })).token;
});
afterAll(async () => t?.close());

describe("a listing's ETag", () => {
  it('differs between renderings: the page without INEs is no valid copy of the page with them', async () => {
    const path = `/v1/establishments/${uai}/people`;
    const minimal = await api(t.baseUrl, reader).get(path);
    expect(minimal.status).toBe(200);
    expect(JSON.stringify(minimal.body)).not.toContain('"ine"');
    const etag = minimal.headers.get('etag')!;
    expect((await api(t.baseUrl, reader).get(path, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const full = await api(t.baseUrl, identifiers).get(path, { headers: { 'if-none-match': etag } });
    expect(full.status).toBe(200);
    expect(JSON.stringify(full.body)).toContain('"ine"');
    expect(full.headers.get('etag')).not.toBe(etag);
  });
});
