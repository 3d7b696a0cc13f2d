import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createClient } from '../../gateway/auth/clients.js';
import type { Scope } from '../../gateway/auth/scopes.js';
import type { ChangeCursor } from '../../gateway/feeds/changes/cursor.js';
import { ScopedAccess } from '../../gateway/perimeter/scoped-access.js';
import { groupCommitAudit } from '../../gateway/store/audit.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { establishment, LYON, newUai, pupil, upsert, remove } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('changelog');
});
afterAll(async () => store.close());

async function nationalReader(): Promise<ScopedAccess> {
  const { client } = await createClient(store.db, { name: 'reader', scopes: ['roster.read', 'roster.identifiers'], perimeter: ['national'] });
  const caller = { clientId: client.clientId, scopes: new Set<Scope>(['roster.read', 'roster.identifiers']), perimeter: ['national'], version: '', tokenScopes: [] };
  return new ScopedAccess(store.db, caller, async () => caller, groupCommitAudit(store.db));
}

/** Follows the feed from a cursor to its end, applying each entry to a replica keyed by record id. */
async function drain(access: ScopedAccess, replica: Map<string, Record<string, unknown>>, cursor: ChangeCursor, limit = 50): Promise<ChangeCursor> {
  for (;;) {
    const page = await access.perimeterScope().changes(cursor, limit);
    for (const { op, row } of page.entries) {
      if (op === 'delete') replica.delete(row.id);
      else replica.set(row.id, { entity: row.entity, seq: row.seq, data: withoutEnvelope(JSON.parse(row.record)) });
    }
    cursor = page.cursor;
    if (!page.hasMore) return cursor;
  }
}

function withoutEnvelope(record: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, uai: _uai, status: _status, sourceIds: _sourceIds, updatedAt: _updatedAt, ...data } = record;
  return data;
}

async function currentState(): Promise<Map<string, unknown>> {
  const rows = await store.db.selectFrom('roster_record').select(['id', 'entity', 'seq', 'data']).where('status', '=', 'active').execute();
  const establishments = await store.db.selectFrom('establishment').select(['id', 'seq', 'data']).execute();
  return new Map<string, unknown>([
    ...rows.map((r) => [r.id, { entity: r.entity, seq: r.seq, data: r.data }] as const),
    ...establishments.map((r) => [r.id, { entity: 'establishment', seq: r.seq, data: r.data }] as const),
  ]);
}

describe('the change log', () => {
  it('never skips a change committed out of order while a reader follows the feed', async () => {
    const reader = await nationalReader();
    const uais = Array.from({ length: 6 }, () => newUai('069'));
    for (const uai of uais) await putEstablishment(store.db, establishment(uai, LYON));

    const replica = new Map<string, Record<string, unknown>>();
    let cursor: ChangeCursor = { s: '0' };
    let writing = true;
    const follower = (async () => {
      while (writing) cursor = await drain(reader, replica, cursor, 7);
    })();

    // Six writers, one per establishment, each inserting records in small batches at the same time; some of
    // their transactions are slowed inside, so commits interleave with the reader's polls.
    await Promise.all(uais.map(async (uai, w) => {
      for (let i = 0; i < 12; i += 1) {
        const records = Array.from({ length: 1 + ((i + w) % 4) }, () => upsert('person', pupil()));
        await applyBatch(store.db, uai, records as never);
      }
    }));
    writing = false;
    await follower;
    cursor = await drain(reader, replica, cursor);

    const state = await currentState();
    expect(replica.size).toBe(state.size);
    expect(new Map([...replica].map(([id, v]) => [id, v]))).toEqual(state);
  });

  it('hands out sequence numbers in commit order, with no two writers sharing one', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    await Promise.all(Array.from({ length: 8 }, () => applyBatch(store.db, uai, [upsert('person', pupil())] as never)));
    const log = await store.db.selectFrom('change_log').select(['seq']).where('uai', '=', uai).orderBy('seq').execute();
    const seqs = log.map((r) => BigInt(r.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.length).toBe(9); // the establishment, then eight people
  });

  it('replays from the start to the current state after inserts, updates and deletes', async () => {
    const reader = await nationalReader();
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    const a = pupil();
    const b = pupil();
    await applyBatch(store.db, uai, [upsert('person', a), upsert('person', b)] as never);
    await applyBatch(store.db, uai, [upsert('person', { ...a, givenName: 'Lou' })] as never);
    await applyBatch(store.db, uai, [remove('person', { id: b.id })] as never);
    const replica = new Map<string, Record<string, unknown>>();
    await drain(reader, replica, { s: '0' });
    expect(replica).toEqual(await currentState());
    expect((replica.get(a.id as string)!.data as Record<string, unknown>).givenName).toBe('Lou');
    expect(replica.has(b.id as string)).toBe(false);
  });

  it('writes nothing to the log when a batch changes nothing', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    const a = { ...pupil(), sourceIds: { onde: randomUUID() } };
    await applyBatch(store.db, uai, [upsert('person', a)] as never);
    const before = await store.db.selectFrom('change_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const again = await applyBatch(store.db, uai, [upsert('person', a)] as never);
    const after = await store.db.selectFrom('change_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 1, deleted: 0 });
    expect(after.n).toBe(before.n);
  });
});
