import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateClient } from '../../gateway/auth/clients.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, division, establishment, guardian, LYON, newUai, PARIS, pupil, remove, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const lyon = newUai('069');
const bourg = newUai('001');
const paris = newUai('075');

interface Entry { entity: string; id: string; op: 'upsert' | 'delete'; record: Record<string, unknown> }
interface ChangesBody { data: Entry[]; cursor: string; hasMore: boolean }

beforeAll(async () => {
  t = await startTestGateway('changes');
  for (const [uai, territory] of [[lyon, LYON], [bourg, BOURG], [paris, PARIS]] as const) {
    await putEstablishment(t.gateway.store.db, establishment(uai, territory));
    const p = pupil();
    const g = guardian();
    const d = division('6A');
    await applyBatch(t.gateway.store.db, uai, [
      upsert('person', p), upsert('person', g), upsert('group', d),
      upsert('membership', { id: crypto.randomUUID(), personId: p.id, groupId: d.id, role: 'pupil' }),
      upsert('guardianLink', { id: crypto.randomUUID(), guardianId: g.id, pupilId: p.id, legalRepresentative: true }),
    ] as never);
  }
});
afterAll(async () => t?.close());

/** Follows the feed from a cursor to its end, with small pages, applying each entry to the replica. */
async function follow(token: string, replica: Map<string, Entry>, since?: string): Promise<string> {
  const http = api(t.baseUrl, token);
  let cursor = since;
  for (;;) {
    const response = await http.get(`/v1/changes?limit=3${cursor ? `&since=${encodeURIComponent(cursor)}` : ''}`);
    expect(response.status).toBe(200);
    const body = response.body as ChangesBody;
    for (const entry of body.data) {
      if (entry.op === 'delete') {
        expect(entry.record.status).toBe('deleted');
        replica.delete(entry.id);
      } else replica.set(entry.id, entry);
    }
    cursor = body.cursor;
    if (!body.hasMore) return cursor;
  }
}

/** What the client may see now, read through the listings. */
async function visibleState(token: string): Promise<Map<string, string>> {
  const http = api(t.baseUrl, token);
  const state = new Map<string, string>();
  const establishments = ((await http.get('/v1/establishments?limit=1000')).body as { data: { id: string; uai: string; updatedAt: string }[] }).data;
  for (const e of establishments) {
    state.set(e.id, e.updatedAt);
    for (const path of ['people', 'groups', 'memberships', 'guardian-links', 'subjects', 'rooms', 'academic-years']) {
      const page = (await http.get(`/v1/establishments/${e.uai}/${path}?limit=1000`)).body as { data: { id: string; updatedAt: string }[] };
      for (const r of page.data) state.set(r.id, r.updatedAt);
    }
  }
  return state;
}

const asState = (replica: Map<string, Entry>) => new Map([...replica].map(([id, e]) => [id, e.record.updatedAt as string]));

describe('the change feed', () => {
  it('replays from the start to exactly what the client may see, after inserts, updates and deletes', async () => {
    const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['departement:069'] });
    const replica = new Map<string, Entry>();
    let cursor = await follow(token, replica);
    expect(asState(replica)).toEqual(await visibleState(token));
    expect([...replica.values()].every((e) => [lyon].includes(e.record.uai as string))).toBe(true);

    const extra = pupil();
    await applyBatch(t.gateway.store.db, lyon, [upsert('person', extra)] as never);
    await applyBatch(t.gateway.store.db, lyon, [upsert('person', { ...extra, givenName: 'Inès' })] as never);
    await applyBatch(t.gateway.store.db, bourg, [upsert('person', pupil())] as never); // outside: never shown
    cursor = await follow(token, replica, cursor);
    expect((replica.get(extra.id as string)!.record).givenName).toBe('Inès');
    await applyBatch(t.gateway.store.db, lyon, [remove('person', { id: extra.id })] as never);
    cursor = await follow(token, replica, cursor);
    expect(replica.has(extra.id as string)).toBe(false);
    expect(asState(replica)).toEqual(await visibleState(token));

    const fresh = new Map<string, Entry>();
    await follow(token, fresh);
    expect(asState(fresh)).toEqual(asState(replica));
  });

  it('announces what enters and leaves when the client perimeter grows and shrinks', async () => {
    const db = t.gateway.store.db;
    const created = await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['departement:069'] });
    const replica = new Map<string, Entry>();
    let cursor = await follow(created.token, replica);

    await updateClient(db, created.clientId, { perimeter: ['departement:069', 'departement:001'] });
    cursor = await follow(created.token, replica, cursor);
    expect(asState(replica)).toEqual(await visibleState(created.token));
    expect(new Set([...replica.values()].map((e) => e.record.uai))).toEqual(new Set([lyon, bourg]));

    await updateClient(db, created.clientId, { perimeter: ['departement:001'] });
    cursor = await follow(created.token, replica, cursor);
    expect(asState(replica)).toEqual(await visibleState(created.token));
    expect(new Set([...replica.values()].map((e) => e.record.uai))).toEqual(new Set([bourg]));

    // And a replay from the start still ends at the same place.
    const fresh = new Map<string, Entry>();
    await follow(created.token, fresh);
    expect(asState(fresh)).toEqual(asState(replica));
  });

  it('announces an establishment that moves to another territory as leaving, and as entering where it arrives', async () => {
    const db = t.gateway.store.db;
    const moving = newUai('069');
    await putEstablishment(db, establishment(moving, LYON));
    await applyBatch(db, moving, [upsert('person', pupil())] as never);
    const rhone = await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['departement:069'] });
    const ain = await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['departement:001'] });
    const rhoneReplica = new Map<string, Entry>();
    const ainReplica = new Map<string, Entry>();
    let rhoneCursor = await follow(rhone.token, rhoneReplica);
    let ainCursor = await follow(ain.token, ainReplica);
    expect([...rhoneReplica.values()].some((e) => e.record.uai === moving)).toBe(true);

    await putEstablishment(db, establishment(moving, BOURG));
    rhoneCursor = await follow(rhone.token, rhoneReplica, rhoneCursor);
    ainCursor = await follow(ain.token, ainReplica, ainCursor);
    expect([...rhoneReplica.values()].some((e) => e.record.uai === moving)).toBe(false);
    expect([...ainReplica.values()].filter((e) => e.record.uai === moving)).toHaveLength(2);
    expect(asState(rhoneReplica)).toEqual(await visibleState(rhone.token));
    expect(asState(ainReplica)).toEqual(await visibleState(ain.token));
  });

  it('leaves out entities the client has no scope for, and rejects a cursor it did not issue', async () => {
    const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['occupancy.read'], perimeter: ['departement:069'] });
    const replica = new Map<string, Entry>();
    await follow(token, replica);
    expect(new Set([...replica.values()].map((e) => e.entity))).toEqual(new Set(['establishment']));
    const bad = await api(t.baseUrl, token).get('/v1/changes?since=xyz');
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { pointer: string }[] }).errors[0].pointer).toBe('/query/since');
  });
});
