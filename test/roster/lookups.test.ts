// Reading by id and looking up: any record of the perimeter by id (a tombstone once deleted, 404 outside as
// missing), by source id, `updatedSince` as a day, and the change feed's next link and filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, pupil, remove, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
let reader: Api;
const college = newUai('069');
const other = newUai('069');
const lea = pupil({ sourceIds: { 'sts-web': 'E-1' } });
const tom = pupil({ givenName: 'Tom', sourceIds: { 'sts-web': 'E-2' } });

beforeAll(async () => {
  t = await startTestGateway('lookups');
  const db = t.gateway.store.db;
  for (const uai of [college, other]) await putEstablishment(db, establishment(uai, LYON));
  await applyBatch(db, college, [upsert('person', lea), upsert('person', tom)] as never);
  await applyBatch(db, other, [upsert('person', pupil())] as never);
  reader = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: [`uai:${college}`] })).token);
});
afterAll(async () => t?.close());

describe('a record by id', () => {
  it('is read wherever it is in the perimeter, with an ETag, and is a 404 outside it or when unknown', async () => {
    const found = await reader.get(`/v1/people/${lea.id as string}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: lea.id, uai: college, givenName: 'Léa', status: 'active' });
    expect(found.body).not.toHaveProperty('ine');
    const etag = found.headers.get('etag')!;
    expect((await reader.get(`/v1/people/${lea.id as string}`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const [elsewhere] = (await t.gateway.store.db.selectFrom('roster_record').select('id').where('uai', '=', other).execute());
    const outside = await reader.get(`/v1/people/${elsewhere.id}`);
    const unknown = await reader.get(`/v1/people/${crypto.randomUUID()}`);
    expect([outside.status, unknown.status]).toEqual([404, 404]);
    expect(outside.body.detail.replace(elsewhere.id, 'X')).toBe(unknown.body.detail.replace(/[0-9a-f-]{36}/, 'X'));
    // An id of another entity is no person.
    expect((await reader.get(`/v1/groups/${lea.id as string}`)).status).toBe(404);
  });

  it('is its tombstone once deleted', async () => {
    const gone = pupil();
    await applyBatch(t.gateway.store.db, college, [upsert('person', gone)] as never);
    await applyBatch(t.gateway.store.db, college, [remove('person', { id: gone.id })] as never);
    const tombstone = await reader.get(`/v1/people/${gone.id as string}`);
    expect(tombstone.status).toBe(200);
    expect(tombstone.body).toMatchObject({ id: gone.id, status: 'deleted' });
    expect(tombstone.body).not.toHaveProperty('familyName');
  });
});

describe('look-ups in a listing', () => {
  it('finds a record by one of its source ids, and refuses a malformed one naming the parameter', async () => {
    const found = await reader.get(`/v1/establishments/${college}/people?sourceId=sts-web:E-2`);
    expect(found.body.data.map((p: { id: string }) => p.id)).toEqual([tom.id]);
    expect((await reader.get(`/v1/establishments/${college}/people?sourceId=sts-web:nobody`)).body.data).toEqual([]);
    const malformed = await reader.get(`/v1/establishments/${college}/people?sourceId=E-2`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].pointer).toBe('/query/sourceId');
    // Only people have an INE to be looked up by.
    const byIneOfGroups = await reader.get(`/v1/establishments/${college}/groups?ine=${lea.ine as string}`);
    expect([byIneOfGroups.status, byIneOfGroups.body.errors[0].pointer]).toEqual([400, '/query/ine']);
  });

  it('takes updatedSince as a day, from its midnight in Paris, as well as an instant', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(Date.now() + 86_400_000));
    const sinceToday = await reader.get(`/v1/establishments/${college}/people?updatedSince=${today}`);
    expect(sinceToday.body.data?.length, JSON.stringify(sinceToday.body)).toBeGreaterThanOrEqual(2);
    expect((await reader.get(`/v1/establishments/${college}/people?updatedSince=${tomorrow}`)).body.data).toEqual([]);
    const sinceInstant = await reader.get(`/v1/establishments/${college}/people?updatedSince=2000-01-01T00:00:00Z`);
    expect(sinceInstant.status, JSON.stringify(sinceInstant.body)).toBe(200);
    expect(sinceInstant.body.data.length).toBeGreaterThanOrEqual(2);
  });
});

describe('the change feed', () => {
  it('gives the next page as a link, in the body and the Link header, while there is more', async () => {
    const first = await reader.get('/v1/changes?limit=1');
    expect(first.body.hasMore).toBe(true);
    expect(first.body.next).toMatch(new RegExp(`^${t.baseUrl}/v1/changes\\?limit=1&since=`));
    expect(first.headers.get('link')).toBe(`<${first.body.next}>; rel="next"`);
    const second = await reader.get(first.body.next.slice(t.baseUrl.length));
    expect(second.status).toBe(200);
    expect(second.body.data[0].id).not.toBe(first.body.data[0].id);
    let last = second;
    while (last.body.hasMore) last = await reader.get(last.body.next.slice(t.baseUrl.length));
    expect(last.body.next).toBeNull();
    expect(last.headers.get('link')).toBeNull();
  });

  it('narrows to some entities, or to one establishment of the perimeter (404 for one outside, as missing)', async () => {
    const people = await reader.get('/v1/changes?entity=person&limit=1000');
    expect(new Set(people.body.data.map((c: { entity: string }) => c.entity))).toEqual(new Set(['person']));
    const ofCollege = await reader.get(`/v1/changes?uai=${college}&limit=1000`);
    expect(ofCollege.body.data.every((c: { record: { uai: string } }) => c.record.uai === college)).toBe(true);
    expect(ofCollege.body.data.length).toBeGreaterThanOrEqual(3);
    const outside = await reader.get(`/v1/changes?uai=${other}`);
    const missing = await reader.get(`/v1/changes?uai=${newUai('001')}`);
    expect([outside.status, missing.status]).toEqual([404, 404]);
    expect((await reader.get('/v1/changes?entity=widget')).status).toBe(400);
    const noScope = api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['occupancy.read'], perimeter: [`uai:${college}`] })).token);
    expect((await noScope.get('/v1/changes?entity=person')).status).toBe(403);
  });
});
