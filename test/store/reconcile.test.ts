import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch, type RecordOperation, type Replacement } from '../../gateway/store/records.js';
import { ImportHeld } from '../../gateway/store/write-errors.js';
import { establishment, LYON, newUai, pupil, remove, upsert } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('reconcile');
});
afterAll(async () => store.close());

const complete = (source: string, confirmed = false): { replace: Replacement } => ({ replace: { source, maxDeletionShare: 0.2, confirmed } });
const changeLogSize = async () =>
  Number((await store.db.selectFrom('change_log').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

/** An ONDE-like export of ten pupils, as the connector would hand it over: source ids, no gateway ids. */
function exportOf(pupils: Record<string, unknown>[]): RecordOperation[] {
  return pupils.map((p) => upsert('person', p) as RecordOperation);
}

async function school(): Promise<{ uai: string; pupils: Record<string, unknown>[] }> {
  const uai = newUai('069');
  await putEstablishment(store.db, establishment(uai, LYON, { type: 'ecole' }));
  const pupils = Array.from({ length: 10 }, (_, i) => ({ ...pupil({ id: undefined }), sourceIds: { onde: `E${i}` } }));
  return { uai, pupils };
}

describe('complete imports', () => {
  it('change nothing, and log nothing, when the same export comes again', async () => {
    const { uai, pupils } = await school();
    expect((await applyBatch(store.db, uai, exportOf(pupils), complete('onde'))).counts.created).toBe(10);
    const before = await changeLogSize();
    const again = await applyBatch(store.db, uai, exportOf(pupils), complete('onde'));
    expect(again.counts).toEqual({ created: 0, updated: 0, unchanged: 10, deleted: 0 });
    expect(await changeLogSize()).toBe(before);
  });

  it('match a whole school\'s export by source id, only within the school, however many records it holds', async () => {
    // Past a few thousand keys the write path reads the establishment's keys at once instead of probing each.
    const { uai } = await school();
    const other = (await school()).uai;
    const big = Array.from({ length: 2100 }, (_, i) => ({ ...pupil({ id: undefined, ine: undefined }), sourceIds: { onde: `B${i}` } }));
    await applyBatch(store.db, other, exportOf(big.slice(0, 5)), complete('onde'));
    const first = await applyBatch(store.db, uai, exportOf(big), complete('onde'));
    expect(first.counts.created).toBe(2100);
    const changed = big.map((p, i) => (i === 7 ? { ...p, givenName: 'Zoé' } : p)).filter((_, i) => i !== 9);
    const second = await applyBatch(store.db, uai, exportOf(changed), complete('onde'));
    expect(second.counts).toEqual({ created: 0, updated: 1, unchanged: 2098, deleted: 1 });
    expect(second.results.filter((r) => r.outcome !== 'deleted').map((r) => r.id)).toEqual(first.results.filter((_, i) => i !== 9).map((r) => r.id));
    expect(second.results.find((r) => r.outcome === 'deleted')!.id).toBe(first.results[9].id);
  });

  it('tombstone exactly the pupil an export no longer holds', async () => {
    const { uai, pupils } = await school();
    const first = await applyBatch(store.db, uai, exportOf(pupils), complete('onde'));
    const gone = first.results[3].id;
    const second = await applyBatch(store.db, uai, exportOf(pupils.filter((_, i) => i !== 3)), complete('onde'));
    expect(second.counts).toEqual({ created: 0, updated: 0, unchanged: 9, deleted: 1 });
    expect(second.results.find((r) => r.outcome === 'deleted')!.id).toBe(gone);
    const row = await store.db.selectFrom('roster_record').select(['status']).where('id', '=', gone).executeTakeFirstOrThrow();
    expect(row.status).toBe('deleted');
  });

  it('keep a refused record, and the records that link to it, which its source could not deliver either', async () => {
    const { uai, pupils } = await school();
    const onde = (id: string) => ({ source: 'onde', id });
    const roster = (delivered: Record<string, unknown>[]): RecordOperation[] => [
      { entity: 'group', op: 'upsert', record: { kind: 'division', code: 'CM1', name: 'CM1', sourceIds: { onde: 'CM1' } } },
      ...exportOf(delivered),
      ...delivered.map((p): RecordOperation => {
        const id = (p.sourceIds as Record<string, string>).onde;
        return { entity: 'membership', op: 'upsert', record: { role: 'pupil', sourceIds: { onde: `${id}@CM1` } }, links: { personId: onde(id), groupId: onde('CM1') } };
      }),
      // Guardian R3 comes with pupil E3 alone, as AAF places guardians with the pupils that name them.
      ...(delivered.some((p) => (p.sourceIds as Record<string, string>).onde === 'E3') ? [
        { entity: 'person', op: 'upsert', record: { kind: 'guardian', familyName: 'Roux', givenName: 'Anne', sourceIds: { onde: 'R3' } } },
        { entity: 'guardianLink', op: 'upsert', record: { legalRepresentative: true, sourceIds: { onde: 'R3>E3' } }, links: { guardianId: onde('R3'), pupilId: onde('E3') } },
      ] as RecordOperation[] : []),
    ];
    expect((await applyBatch(store.db, uai, roster(pupils), complete('onde'))).counts.created).toBe(23);

    // The export refuses pupil E3 (a field could not be read): it delivers neither it nor its membership, its
    // link and its guardian. Pupil E5 has left: it goes, with its membership, though its class stays.
    const refused = { replace: { ...complete('onde').replace, keep: new Set(['E3']) } };
    const without = roster(pupils.filter((p) => !['E3', 'E5'].includes((p.sourceIds as Record<string, string>).onde)));
    expect((await applyBatch(store.db, uai, without, refused)).counts).toEqual({ created: 0, updated: 0, unchanged: 17, deleted: 2 });
    const active = await store.db.selectFrom('roster_record').select('entity').where('uai', '=', uai).where('status', '=', 'active').execute();
    expect(active).toHaveLength(21);

    // Left out without being refused, the pupil goes with what links to it.
    expect((await applyBatch(store.db, uai, without, complete('onde'))).counts).toEqual({ created: 0, updated: 0, unchanged: 17, deleted: 4 });
  });

  it('are held, writing nothing, when they would delete more than the allowed share, until confirmed', async () => {
    const { uai, pupils } = await school();
    await applyBatch(store.db, uai, exportOf(pupils), complete('onde'));
    const before = await changeLogSize();
    const truncated = exportOf(pupils.slice(0, 7)); // three of ten missing: 30 % > 20 %
    const held = await applyBatch(store.db, uai, truncated, complete('onde')).catch((error: unknown) => error);
    expect(held).toBeInstanceOf(ImportHeld);
    expect(held).toMatchObject({ deletions: 3, total: 10 });
    expect(await changeLogSize()).toBe(before);
    const confirmed = await applyBatch(store.db, uai, truncated, complete('onde', true));
    expect(confirmed.counts.deleted).toBe(3);
  });

  it('leave the records of other sources alone', async () => {
    const { uai, pupils } = await school();
    await applyBatch(store.db, uai, exportOf(pupils), complete('onde'));
    const teacher = { id: randomUUID(), kind: 'teacher', familyName: 'Roux', givenName: 'Anne', sourceIds: { 'sts-web': 'P1' } };
    await applyBatch(store.db, uai, [upsert('person', teacher) as RecordOperation]);
    const result = await applyBatch(store.db, uai, exportOf(pupils), complete('onde'));
    expect(result.counts.deleted).toBe(0);
  });
});

describe('new records', () => {
  it('get time-ordered ids: in the order of their batch, after every earlier one', async () => {
    const { uai, pupils } = await school();
    const ids = async (batch: Record<string, unknown>[]) => (await applyBatch(store.db, uai, exportOf(batch))).results.map((r) => r.id);
    const first = await ids(pupils.slice(0, 5));
    const second = await ids(pupils.slice(5));
    const all = [...first, ...second];
    expect([...all].sort()).toEqual(all);
    expect(new Set(all).size).toBe(10);
    for (const id of all) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('matching people across sources', () => {
  it('makes one record of a pupil that two sources describe, matched on INE', async () => {
    const { uai } = await school();
    const ine = pupil().ine;
    const fromOnde = await applyBatch(store.db, uai, [upsert('person', { kind: 'pupil', familyName: 'Martin', givenName: 'Léa', ine, sourceIds: { onde: 'E77' } }) as RecordOperation]);
    const fromSts = await applyBatch(store.db, uai, [upsert('person', { kind: 'pupil', familyName: 'MARTIN', givenName: 'Léa', ine, sourceIds: { 'sts-web': '9001' } }) as RecordOperation]);
    expect(fromSts.results[0]).toMatchObject({ id: fromOnde.results[0].id, outcome: 'updated' });
    const row = await store.db.selectFrom('roster_record').select(['source_ids']).where('id', '=', fromOnde.results[0].id).executeTakeFirstOrThrow();
    expect(row.source_ids).toEqual({ onde: 'E77', 'sts-web': '9001' });
  });

  it('stores a lone surrogate (broken UTF-16 from a source) as U+FFFD, in the record and both its renderings', async () => {
    const { uai } = await school();
    const result = await applyBatch(store.db, uai, [upsert('person', pupil({ id: undefined, givenName: 'L\ud800a', sourceIds: { aaf: 'S1' } })) as RecordOperation]);
    const row = await store.db.selectFrom('roster_record').select(['data', 'body', 'body_minimal']).where('id', '=', result.results[0].id).executeTakeFirstOrThrow();
    expect((row.data as { givenName: string }).givenName).toBe('L\ufffda');
    expect(JSON.parse(row.body).givenName).toBe('L\ufffda');
    expect(JSON.parse(row.body_minimal!)).toMatchObject({ givenName: 'L\ufffda', sourceIds: { aaf: 'S1' } });
    expect(JSON.parse(row.body_minimal!).ine).toBeUndefined();
  });

  it('renders each record as its envelope then its fields in the order given, in full and without what identifies', async () => {
    const { uai } = await school();
    const given = { kind: 'pupil', givenName: 'Zoé "Zaza"', familyName: 'Ñuñez\\Ålund', ine: pupil().ine, birthDate: '2013-04-02', sourceIds: { onde: 'Z1', aaf: '2000009' } };
    const [{ id }] = (await applyBatch(store.db, uai, [upsert('person', given) as RecordOperation])).results;
    const rendered = async () => {
      const row = await store.db.selectFrom('roster_record').select(['body', 'body_minimal', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow();
      return { ...row, envelope: { id, uai, status: row.body.includes('"deleted"') ? 'deleted' : 'active' } };
    };
    const { sourceIds, ...fields } = given;
    const active = await rendered();
    const updatedAt = active.updated_at.toISOString();
    expect(active.body).toBe(JSON.stringify({ id, uai, status: 'active', sourceIds, updatedAt, ...fields }));
    const { ine: _ine, birthDate: _birthDate, ...plain } = fields;
    expect(active.body_minimal).toBe(JSON.stringify({ id, uai, status: 'active', sourceIds: { aaf: '2000009' }, updatedAt, ...plain }));

    await applyBatch(store.db, uai, [remove('person', { id }) as RecordOperation]);
    const deleted = await rendered();
    const deletedAt = deleted.updated_at.toISOString();
    // A deletion carries the source ids as stored, in jsonb's key order.
    expect(deleted.body).toBe(JSON.stringify({ id, uai, status: 'deleted', sourceIds: { aaf: '2000009', onde: 'Z1' }, updatedAt: deletedAt }));
    expect(deleted.body_minimal).toBe(JSON.stringify({ id, uai, status: 'deleted', sourceIds: { aaf: '2000009' }, updatedAt: deletedAt }));

    const college = newUai('069');
    const { record } = await putEstablishment(store.db, establishment(college, LYON, { name: 'COLLÈGE "LES ÉCRINS"' }));
    const row = await store.db.selectFrom('establishment').select(['body', 'body_minimal']).where('uai', '=', college).executeTakeFirstOrThrow();
    expect(JSON.parse(row.body)).toEqual(record);
    expect(Object.keys(JSON.parse(row.body)).slice(0, 6)).toEqual(['id', 'uai', 'status', 'sourceIds', 'updatedAt', 'name']);
    expect(row.body_minimal).toBeNull();
  });

  it('stores a lone surrogate in an establishment as U+FFFD too', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON, { name: 'COLL\udc00GE' }));
    const row = await store.db.selectFrom('establishment').select(['data', 'body']).where('uai', '=', uai).executeTakeFirstOrThrow();
    expect((row.data as { name: string }).name).toBe('COLL\ufffdGE');
    expect(JSON.parse(row.body).name).toBe('COLL\ufffdGE');
  });

  it('refuses a record whose INE and source id name two different people', async () => {
    const { uai } = await school();
    const [a, b] = [pupil({ id: undefined, sourceIds: { onde: 'A' } }), pupil({ id: undefined, sourceIds: { onde: 'B' } })];
    await applyBatch(store.db, uai, [upsert('person', a), upsert('person', b)] as RecordOperation[]);
    const clash = await applyBatch(store.db, uai, [upsert('person', { ...a, sourceIds: { onde: 'B' } }) as RecordOperation]).catch((e: unknown) => e);
    expect((clash as { problems: { pointer: string }[] }).problems.map((p) => p.pointer)).toEqual(['/records/0/record/sourceIds/onde']);
  });
});

describe("a complete import and a teacher's subjects (array links)", () => {
  it('keeps the teaching of a refused subject, and tombstones the subject a teacher no longer has once nothing names it', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    const sts = (id: string) => ({ source: 'sts-web', id });
    const roster = (subjects: string[], taught: string[]): RecordOperation[] => [
      upsert('person', { kind: 'teacher', familyName: 'ROUX', givenName: 'Paul', sourceIds: { 'sts-web': 'T1' } }),
      upsert('group', { kind: 'division', code: '5A', sourceIds: { 'sts-web': '5A' } }),
      ...subjects.map((code) => upsert('subject', { code, name: code, sourceIds: { 'sts-web': code } })),
      { ...upsert('membership', { role: 'teacher', sourceIds: { 'sts-web': 'T1@5A' } }), links: { personId: sts('T1'), groupId: sts('5A'), subjectIds: taught.map(sts) } },
    ] as RecordOperation[];
    const confirmed = complete('sts-web', true);
    expect((await applyBatch(store.db, uai, roster(['061300', '020700'], ['061300', '020700']), confirmed)).counts.created).toBe(5);
    // 020700 refused (its label could not be read): the membership that names it is kept as it was, and so is it.
    const refused = { replace: { ...confirmed.replace, keep: new Set(['020700']) } };
    const withoutIt = roster(['061300'], ['061300']).filter((o) => o.entity !== 'membership');
    expect((await applyBatch(store.db, uai, withoutIt, refused)).counts).toEqual({ created: 0, updated: 0, unchanged: 3, deleted: 0 });
    // Next time the teacher teaches only 061300: 020700 goes.
    expect((await applyBatch(store.db, uai, roster(['061300'], ['061300']), confirmed)).counts).toEqual({ created: 0, updated: 1, unchanged: 3, deleted: 1 });
    const [membership] = await store.db.selectFrom('roster_record').select('data').where('uai', '=', uai).where('entity', '=', 'membership').execute();
    const [maths] = await store.db.selectFrom('roster_record').select('id').where('uai', '=', uai).where('entity', '=', 'subject').where('status', '=', 'active').execute();
    expect((membership.data as { subjectIds: string[] }).subjectIds).toEqual([maths.id]);
  });
});
