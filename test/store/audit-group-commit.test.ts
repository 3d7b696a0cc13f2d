import { sql, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupCommitAudit, type AuditEntry } from '../../gateway/store/audit.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('audit_commit');
});
afterAll(async () => store.close());

/** The store's db, counting the INSERT statements sent through it. */
function countingInserts() {
  const counter = { inserts: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: ({ node }) => {
      if (node.kind === 'InsertQueryNode') counter.inserts += 1;
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { db: store.db.withPlugin(plugin), counter };
}

const entry = (requestId: string, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  clientId: 'reader', uai: '0690001A', entity: 'person', count: 100, requestId, ...overrides,
});

async function written(requestIds: string[]): Promise<string[]> {
  const rows = await store.db.selectFrom('audit_log').select('request_id').where('request_id', 'in', requestIds).execute();
  return rows.map((r) => r.request_id!).sort();
}

describe('audit group commit', () => {
  it('writes the entries of reads that finish together in fewer statements, each read resolved once its own entry is committed', async () => {
    const { db, counter } = countingInserts();
    const audit = groupCommitAudit(db);
    const ids = Array.from({ length: 60 }, (_, i) => `together-${i}`);
    // Each read, when told its entry is on record, looks for it from another connection of the pool.
    const seenOnResolve = await Promise.all(ids.map(async (id) => {
      await audit.record([entry(id)]);
      return (await written([id])).length;
    }));
    expect(seenOnResolve).toEqual(ids.map(() => 1));
    expect(await written(ids)).toEqual([...ids].sort());
    expect(counter.inserts).toBeGreaterThanOrEqual(1);
    expect(counter.inserts).toBeLessThan(ids.length / 4);
    await audit.close();
  });

  it('keeps a batch to maxEntries entries', async () => {
    const { db, counter } = countingInserts();
    const audit = groupCommitAudit(db, { maxEntries: 10 });
    const ids = Array.from({ length: 35 }, (_, i) => `bounded-${i}`);
    await Promise.all(ids.map((id) => audit.record([entry(id)])));
    expect(counter.inserts).toBe(4);
    expect(await written(ids)).toHaveLength(35);
  });

  it('fails every read whose entry was in a failed statement, and writes the next ones', async () => {
    const audit = groupCommitAudit(store.db);
    await sql`alter table audit_log add constraint refuse_some check (entity <> 'refused') not valid`.execute(store.db);
    try {
      const outcomes = await Promise.allSettled([
        audit.record([entry('failed-1')]),
        audit.record([entry('failed-2', { entity: 'refused' })]),
        audit.record([entry('failed-3')]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(await written(['failed-1', 'failed-2', 'failed-3'])).toEqual([]);
      await audit.record([entry('after-failure')]);
      expect(await written(['after-failure'])).toEqual(['after-failure']);
    } finally {
      await sql`alter table audit_log drop constraint refuse_some`.execute(store.db);
    }
  });

  it('writes nothing, and waits for nothing, when a read returned no record', async () => {
    const { db, counter } = countingInserts();
    const audit = groupCommitAudit(db);
    await audit.record([entry('empty', { count: 0 })]);
    expect(counter.inserts).toBe(0);
    expect(await written(['empty'])).toEqual([]);
  });

  it('close() waits for the entries already recorded', async () => {
    const audit = groupCommitAudit(store.db);
    const pending = audit.record([entry('at-close')]);
    await audit.close();
    expect(await written(['at-close'])).toEqual(['at-close']);
    await pending;
  });
});
