// Cursors are signed: a position a client writes itself (an old perimeter's, say) is a 400 naming the parameter.
// And a valid cursor handed out under a wider perimeter never brings back what the client may no longer see.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateClient } from '../../gateway/auth/clients.js';
import { CURSOR_KEY_ALG, loadCursorKey } from '../../gateway/auth/keys.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, division, establishment, guardian, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { openTestStore } from '../support/store.js';

interface Entry { entity: string; id: string; op: 'upsert' | 'delete'; record: Record<string, unknown> }
interface ChangesBody { data: Entry[]; cursor: string; hasMore: boolean }
interface Problem { type: string; errors: { pointer: string }[] }

let t: TestGateway;
const rhone = newUai('069');
const ain = newUai('001');

beforeAll(async () => {
  t = await startTestGateway('cursor_integrity');
  for (const [uai, territory] of [[rhone, LYON], [ain, BOURG]] as const) {
    await putEstablishment(t.gateway.store.db, establishment(uai, territory));
    const p = pupil();
    const d = division('6A');
    await applyBatch(t.gateway.store.db, uai, [
      upsert('person', p), upsert('person', guardian()), upsert('person', pupil()), upsert('group', d),
      upsert('membership', { id: randomUUID(), personId: p.id, groupId: d.id, role: 'pupil' }),
    ] as never);
  }
});
afterAll(async () => t?.close());

const client = async (perimeter: string[]) => {
  const made = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read', 'roster.identifiers'], perimeter });
  return { clientId: made.clientId, http: api(t.baseUrl, made.token) };
};

const page = async (http: Api, since: string | undefined, limit: number) => {
  const answer = await http.get<ChangesBody>(`/v1/changes?limit=${limit}${since ? `&since=${encodeURIComponent(since)}` : ''}`);
  expect(answer.status).toBe(200);
  return answer.body;
};

/** Follows the feed to its end, applying each entry to the replica; returns the last cursor and what was received. */
async function follow(http: Api, replica: Map<string, Entry>, since?: string): Promise<{ cursor: string; received: Entry[] }> {
  let cursor = since;
  const received: Entry[] = [];
  for (;;) {
    const body = await page(http, cursor, 3);
    for (const entry of body.data) {
      received.push(entry);
      if (entry.op === 'delete') replica.delete(entry.id);
      else replica.set(entry.id, entry);
    }
    cursor = body.cursor;
    if (!body.hasMore) return { cursor, received };
  }
}

/** A cursor's payload, as a client can read it, and the cursor it would forge with another payload. */
const payloadOf = (cursor: string) => JSON.parse(Buffer.from(cursor.split('.')[0], 'base64url').toString()) as Record<string, unknown>;
const forged = (cursor: string, payload: object) => `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${cursor.split('.')[1]}`;
const unsigned = (payload: object) => Buffer.from(JSON.stringify(payload)).toString('base64url');

describe('cursors', () => {
  it('are signed with one key, made once in the store even by replicas starting together', async () => {
    const store = await openTestStore('cursor_key');
    try {
      const keys = await Promise.all([loadCursorKey(store.db), loadCursorKey(store.db), loadCursorKey(store.db)]);
      expect(keys[0]).toHaveLength(32);
      expect(keys.every((k) => k.equals(keys[0]))).toBe(true);
      expect((await loadCursorKey(store.db)).equals(keys[0])).toBe(true);
      expect(await store.db.selectFrom('signing_key').select('kid').where('alg', '=', CURSOR_KEY_ALG).execute()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('a change-feed cursor written or altered by hand is a 400 naming since', async () => {
    const { http } = await client(['departement:069']);
    const { cursor } = await follow(http, new Map());
    expect(payloadOf(cursor)).toMatchObject({ s: expect.any(String) });
    for (const since of [forged(cursor, { s: '0' }), unsigned({ s: '0' }), unsigned({ s: '0', t: payloadOf(cursor).s, p: 'enter' }), `${cursor}x`]) {
      const answer = await http.get<Problem>(`/v1/changes?since=${encodeURIComponent(since)}`);
      expect(answer.status).toBe(400);
      expect(answer.body.type).toMatch(/validation/);
      expect(answer.body.errors.map((e) => e.pointer)).toEqual(['/query/since']);
    }
    expect((await http.get(`/v1/changes?since=${encodeURIComponent(cursor)}`)).status).toBe(200);
  });

  it('a listing cursor altered by hand is a 400 naming cursor; the changeCursor it hands out is signed too', async () => {
    const { http } = await client(['departement:069']);
    const first = await http.get<{ next: string; changeCursor: string }>(`/v1/establishments/${rhone}/people?limit=1`);
    const next = new URL(first.body.next).searchParams.get('cursor')!;
    const earlier = forged(next, { ...payloadOf(next), c: '0' });
    const answer = await http.get<Problem>(`/v1/establishments/${rhone}/people?limit=1&cursor=${encodeURIComponent(earlier)}`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e) => e.pointer)).toEqual(['/query/cursor']);
    expect((await http.get(`/v1/establishments/${rhone}/people?limit=1&cursor=${encodeURIComponent(next)}`)).status).toBe(200);
    const fromStart = await http.get<Problem>(`/v1/changes?since=${encodeURIComponent(forged(first.body.changeCursor, { s: '0' }))}`);
    expect(fromStart.status).toBe(400);
  });

  it('a narrowed client replaying a cursor of its wider perimeter gets nothing of what it left, only its deletion', async () => {
    const db = t.gateway.store.db;
    const { clientId, http } = await client(['departement:069']);
    const replica = new Map<string, Entry>();
    const { cursor: narrow } = await follow(http, replica);
    await updateClient(db, clientId, { perimeter: ['departement:069', 'departement:001'] });
    // The first page of the catch-up announces one record of the Ain as entering; its cursor is valid and signed.
    const entering = await page(http, narrow, 1);
    expect(entering.hasMore).toBe(true);
    expect(entering.data.map((e) => e.record.uai)).toEqual([ain]);
    replica.set(entering.data[0].id, entering.data[0]);
    await updateClient(db, clientId, { perimeter: ['departement:069'] });

    const { received } = await follow(http, replica, entering.cursor);
    expect(received.filter((e) => e.op === 'upsert' && e.record.uai === ain)).toEqual([]);
    expect(received.some((e) => e.op === 'delete' && e.id === entering.data[0].id)).toBe(true);
    expect(new Set([...replica.values()].map((e) => e.record.uai))).toEqual(new Set([rhone]));
  });
});
