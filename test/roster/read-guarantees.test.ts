// What the roster's read path keeps while it is made cheaper: a page of personal data is served only once its
// audit entry is committed, and a narrowed client or a moved establishment applies at once on every replica.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateClient } from '../../gateway/auth/clients.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let replica: TestGateway;
const college = newUai('069');
const movingCollege = newUai('069');

beforeAll(async () => {
  t = await startTestGateway('read_guarantees');
  // A second gateway process on the same store, as behind a load balancer: it keeps its own client cache.
  replica = await startTestGateway('read_guarantees', { DATABASE_SCHEMA: t.schema, PUBLIC_URL: t.baseUrl });
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(college, LYON));
  await putEstablishment(db, establishment(movingCollege, LYON));
  await applyBatch(db, college, [upsert('person', pupil()), upsert('person', pupil())] as never);
  await applyBatch(db, movingCollege, [upsert('person', pupil())] as never);
});
afterAll(async () => {
  await replica?.close();
  await t?.close();
});

const onBoth = async (token: string, path: string) => Promise.all([t, replica].map(async (g) => (await api(g.baseUrl, token).get(path)).status));

describe('the audit entry of a page', () => {
  it('is committed before the page is served; a page whose entry cannot be written is not served', async () => {
    const db = t.gateway.store.db;
    const { clientId, token } = await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['departement:069'] });
    const http = api(t.baseUrl, token);
    const served = await http.get(`/v1/establishments/${college}/people`);
    expect(served.status).toBe(200);
    const requestId = served.headers.get('x-request-id');
    const entries = await db.selectFrom('audit_log').select(['uai', 'entity', 'count']).where('request_id', '=', requestId).execute();
    expect(entries).toEqual([{ uai: college, entity: 'person', count: 2 }]);

    await sql`alter table audit_log add constraint refuse_reader check (client_id <> ${sql.lit(clientId)}) not valid`.execute(db);
    try {
      const refused = await http.get(`/v1/establishments/${college}/people`);
      expect(refused.status).toBe(500);
      expect(refused.body.type).toBe(`${t.baseUrl}/problems/internal`);
      expect(JSON.stringify(refused.body)).not.toContain('familyName');
      // What is not personal data is not audited, and still served.
      expect((await http.get(`/v1/establishments/${college}/groups`)).status).toBe(200);
    } finally {
      await sql`alter table audit_log drop constraint refuse_reader`.execute(db);
    }
    expect((await http.get(`/v1/establishments/${college}/people`)).status).toBe(200);
  });
});

describe('perimeter changes on every replica', () => {
  it('a narrowed client gets 404 at its next request on either replica, and 200 again once widened', async () => {
    const db = t.gateway.store.db;
    const { clientId, token } = await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['departement:069'] });
    const people = `/v1/establishments/${college}/people`;
    expect(await onBoth(token, people)).toEqual([200, 200]);
    const first = await api(t.baseUrl, token).get(`${people}?limit=1`);
    const next = new URL((first.body as { next: string }).next);

    await updateClient(db, clientId, { perimeter: ['departement:001'] });
    expect(await onBoth(token, people)).toEqual([404, 404]);
    // A page read earlier does not open the next ones.
    expect(await onBoth(token, `${next.pathname}${next.search}`)).toEqual([404, 404]);

    await updateClient(db, clientId, { perimeter: ['departement:069'] });
    expect(await onBoth(token, people)).toEqual([200, 200]);
  });

  it('an establishment that moves to another département leaves its old département at once, on either replica', async () => {
    const db = t.gateway.store.db;
    const { token } = await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['departement:069'] });
    const people = `/v1/establishments/${movingCollege}/people`;
    expect(await onBoth(token, people)).toEqual([200, 200]);
    await putEstablishment(db, establishment(movingCollege, BOURG));
    expect(await onBoth(token, people)).toEqual([404, 404]);
    const list = await api(replica.baseUrl, token).get('/v1/establishments');
    expect((list.body as { data: { uai: string }[] }).data.map((e) => e.uai)).toEqual([college]);
  });
});
