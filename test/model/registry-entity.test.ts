// Adding an entity is its schema, its descriptor and its table: this test adds a throwaway one through the
// registry alone and shows it written by batch, listed, looked up, projected, audited and announced in the change
// feed, with no other code touched. A second one, national, shows that the change log holds records of no
// establishment.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { establishmentRecords, PLAIN, type EntityDescriptor } from '../../gateway/model/entities/descriptor.js';
import { registerEntity } from '../../gateway/model/registry.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { NATION, writeRows } from '../../gateway/store/write/rows.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, pupil } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const common = (def: string) => ({ $ref: `common.schema.json#/$defs/${def}` });

const widget: EntityDescriptor = {
  name: 'widget',
  schema: {
    type: 'object',
    properties: {
      id: common('id'), uai: common('uai'), sourceIds: common('sourceIds'), status: common('status'), updatedAt: common('updatedAt'),
      code: { type: 'string', minLength: 1 }, personId: common('id'), ownerPhone: { type: 'string' },
    },
    required: ['code', 'personId'],
    unevaluatedProperties: false,
  },
  collection: 'widgets',
  belongsTo: 'establishment',
  storage: establishmentRecords(undefined, 'widget_record'),
  readScopes: ['roster.read'],
  personal: true,
  fields: { ownerPhone: 'contact' },
  references: [{ field: 'personId', entity: 'person' }],
  filters: [{ parameter: 'personId', on: 'reference', field: 'personId' }],
  matchOnIne: false,
  order: 9,
};

const motto: EntityDescriptor = {
  name: 'nationalMotto',
  schema: { type: 'object', properties: { text: { type: 'string' } } },
  collection: 'national-mottos',
  belongsTo: 'nation',
  storage: { table: 'shared_record', shared: true, conflict: 'id', columns: {} },
  readScopes: [],
  ...PLAIN,
  order: 9,
};

let t: TestGateway;
const uai = newUai('069');
const unregister: (() => void)[] = [];

beforeAll(async () => {
  unregister.push(registerEntity(widget), registerEntity(motto));
  t = await startTestGateway('registry');
  const db = t.gateway.store.db;
  await sql`create table widget_record (like roster_record including all)`.execute(db);
  await putEstablishment(db, establishment(uai, LYON));
});
afterAll(async () => {
  await t?.close();
  for (const remove of unregister) remove();
});

const token = async (scopes: string[], perimeter = [`uai:${uai}`]) =>
  (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes, perimeter })).token;

describe('an entity added through the registry alone', () => {
  it('is written by batch, listed, read by id, projected, audited and announced in the change feed', async () => {
    const writer = api(t.baseUrl, await token(['sync.write']));
    const lea = pupil({ id: undefined, sourceIds: { test: 'P1' } });
    const written = await writer.post(`/v1/establishments/${uai}/batch`, {
      records: [
        { entity: 'person', op: 'upsert', record: lea },
        { entity: 'widget', op: 'upsert', record: { sourceIds: { test: 'W1' }, code: 'W-1', ownerPhone: '0600000000' }, links: { personId: { source: 'test', id: 'P1' } } },
      ],
    });
    expect(written.status).toBe(200);
    const widgetId = written.body.results[1].id as string;
    const personId = written.body.results[0].id as string;

    const refused = await writer.post(`/v1/establishments/${uai}/batch`, { records: [{ entity: 'widget', op: 'upsert', record: { sourceIds: { test: 'W2' }, personId } }] });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ pointer: '/records/0/record/code', detail: 'is required' }]);
    const dangling = await writer.post(`/v1/establishments/${uai}/batch`, { records: [{ entity: 'widget', op: 'upsert', record: { sourceIds: { test: 'W3' }, code: 'W-3', personId: crypto.randomUUID() } }] });
    expect(dangling.status).toBe(400);
    expect(dangling.body.errors[0].pointer).toBe('/records/0/record/personId');

    const reader = api(t.baseUrl, await token(['roster.read']));
    const listed = await reader.get(`/v1/establishments/${uai}/widgets?personId=${personId}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: widgetId, code: 'W-1', personId })]);
    expect(listed.body.data[0]).not.toHaveProperty('ownerPhone');
    const withContacts = api(t.baseUrl, await token(['roster.read', 'roster.contacts']));
    expect((await withContacts.get(`/v1/establishments/${uai}/widgets`)).body.data[0].ownerPhone).toBe('0600000000');
    expect((await reader.get(`/v1/widgets/${widgetId}`)).body).toMatchObject({ id: widgetId, code: 'W-1' });
    const bySource = await reader.get(`/v1/establishments/${uai}/widgets?sourceId=test:W1`);
    expect(bySource.body.data, JSON.stringify(bySource.body)).toHaveLength(1);

    const elsewhere = api(t.baseUrl, await token(['roster.read'], [`uai:${newUai('069')}`]));
    expect((await elsewhere.get(`/v1/widgets/${widgetId}`)).status).toBe(404);
    expect((await api(t.baseUrl, await token(['occupancy.read'])).get(`/v1/establishments/${uai}/widgets`)).status).toBe(403);

    const audited = await t.gateway.store.db.selectFrom('audit_log').select(['entity', 'uai']).where('entity', '=', 'widget').execute();
    expect(audited.length).toBeGreaterThanOrEqual(3);
    expect(audited.every((entry) => entry.uai === uai)).toBe(true);

    const replay = await reader.get('/v1/changes?entity=widget');
    expect(replay.body.data.map((c: { op: string; id: string }) => [c.op, c.id])).toEqual([['upsert', widgetId]]);
    expect(replay.body.data[0].record).not.toHaveProperty('ownerPhone');
    await writer.post(`/v1/establishments/${uai}/batch`, { records: [{ entity: 'widget', op: 'delete', record: { id: widgetId } }] });
    const changes = await reader.get(`/v1/changes?entity=widget&since=${encodeURIComponent(replay.body.cursor)}`);
    expect(changes.status).toBe(200);
    expect(changes.body.data.map((c: { op: string; id: string }) => [c.op, c.id])).toEqual([['delete', widgetId]]);
    expect(changes.body.data[0].record).toMatchObject({ id: widgetId, status: 'deleted' });
  });

  it('of the nation, is held by the change log without an establishment and read by every client of its scope', async () => {
    const db = t.gateway.store.db;
    const id = crypto.randomUUID();
    await db.transaction().execute((trx) => writeRows(trx, [{ entity: motto, owner: NATION, id, created: true, deleted: false, sourceIds: {}, data: { text: 'Liberté, égalité, fraternité' } }]));
    const logged = await db.selectFrom('change_log').select(['uai', 'territory']).where('record_id', '=', id).executeTakeFirstOrThrow();
    expect(logged).toEqual({ uai: null, territory: 'national' });
    const anyone = api(t.baseUrl, await token(['occupancy.read'], [`uai:${newUai('001')}`]));
    const changes = await anyone.get('/v1/changes?entity=nationalMotto');
    expect(changes.body.data).toEqual([{ entity: 'nationalMotto', id, op: 'upsert', record: expect.objectContaining({ id, territory: 'national', text: 'Liberté, égalité, fraternité' }) }]);
  });
});
