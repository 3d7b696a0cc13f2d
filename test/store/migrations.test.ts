import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../gateway/store/db.js';
import { migrationProvider } from '../../gateway/store/migrations/index.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';
import { division, establishment, LYON, newUai, pupil } from '../support/fixtures.js';

let store: Store;
const schema = uniqueSchema('migrations');

beforeAll(async () => {
  store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
});
afterAll(async () => store?.close());

interface OldRow {
  entity: string;
  id: string;
  sourceIds: Record<string, string>;
  data: Record<string, unknown>;
  minimal: Record<string, unknown> | null;
}

/** An establishment and its records written as rows of the tables of that time. */
async function storedBefore(uai: string, rows: OldRow[], into: Store = store): Promise<void> {
  const { name, type, sector, communeCode, departementCode, regionCode, academieCode } = establishment(uai, LYON) as Record<string, string>;
  const at = new Date();
  await into.db.insertInto('establishment').values({
    id: crypto.randomUUID(), uai, status: 'active', name, type, sector, commune_code: communeCode, departement_code: departementCode,
    region_code: regionCode, academie_code: academieCode, source_ids: '{}', data: JSON.stringify({ name, type, sector }), body: '{}', body_minimal: null, updated_at: at, seq: 1,
  }).execute();
  for (const [i, row] of rows.entries()) {
    const { id: _id, uai: _uai, sourceIds: _sourceIds, ...data } = row.data;
    await into.db.insertInto('roster_record').values({
      id: row.id, entity: row.entity, uai, kind: null, status: 'active', source_ids: JSON.stringify(row.sourceIds), data: JSON.stringify(data),
      body: JSON.stringify({ id: row.id, uai, status: 'active', sourceIds: row.sourceIds, ...data }),
      body_minimal: row.minimal && JSON.stringify(row.minimal), updated_at: at, seq: i + 2,
    }).execute();
  }
}

describe('migrations', () => {
  it('20261125_0004 takes ONDE ids out of the minimal renderings of records stored before', async () => {
    const migrator = new Migrator({ db: store.db, provider: migrationProvider, migrationTableSchema: schema });
    expect((await migrator.migrateTo('20261124_0003_lean_indexes')).error).toBeUndefined();
    const uai = newUai('069');
    const lina = pupil();
    const cm2 = division('CM2');
    const ine = lina.ine as string;
    // Rows as the gateway of that time stored them (today's write path needs today's tables): ONDE's ids in the
    // minimal renderings, none at all for a membership.
    await storedBefore(uai, [
      { entity: 'person', id: lina.id as string, sourceIds: { onde: ine }, data: lina, minimal: { id: lina.id, sourceIds: { onde: ine }, familyName: 'Martin' } },
      { entity: 'group', id: cm2.id as string, sourceIds: { aaf: '81000$CM2' }, data: cm2, minimal: null },
      { entity: 'membership', id: crypto.randomUUID(), sourceIds: { onde: `${ine}/CM2` }, data: { personId: lina.id, groupId: cm2.id, role: 'pupil' }, minimal: null },
    ]);
    const groupBefore = await store.db.selectFrom('roster_record').select(['body', 'body_minimal']).where('entity', '=', 'group').executeTakeFirstOrThrow();

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const rows = await store.db.selectFrom('roster_record').select(['entity', 'body', 'body_minimal']).execute();
    const minimal = (entity: string) => JSON.parse(rows.find((r) => r.entity === entity)!.body_minimal!) as Record<string, unknown>;
    expect(minimal('person')).toEqual({ id: lina.id, sourceIds: {}, familyName: 'Martin' });
    expect(minimal('membership')).toMatchObject({ personId: lina.id, groupId: cm2.id, role: 'pupil', sourceIds: {} });
    expect(JSON.parse(rows.find((r) => r.entity === 'membership')!.body).sourceIds).toEqual({ onde: `${ine}/CM2` });
    // Records of other sources are left as they were.
    expect(rows.find((r) => r.entity === 'group')).toEqual({ entity: 'group', ...groupBefore });
  });

  it('20261202_0014 puts stored levels on the vocabulary, keeps the source code beside them, and announces the change', async () => {
    const otherSchema = uniqueSchema('levels');
    const other = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: otherSchema, dataDir: '' });
    try {
      const migrator = new Migrator({ db: other.db, provider: migrationProvider, migrationTableSchema: otherSchema });
      expect((await migrator.migrateTo('20261202_0013_shared_records')).error).toBeUndefined();
      const uai = newUai('069');
      const third = division('3A', { level: '3EME' });
      const odd = division('X1', { level: 'PASSERELLE' });
      const pupilOfThird = pupil({ level: '10310019110' });
      await storedBefore(uai, [third, odd, pupilOfThird].map((record) => ({
        entity: record.kind === 'pupil' ? 'person' : 'group', id: record.id as string, sourceIds: {}, data: record, minimal: null,
      })), other);
      const before = await other.db.selectFrom('change_counter').select('seq').executeTakeFirstOrThrow();

      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const rows = await other.db.selectFrom('roster_record').select(['id', 'data', 'body', 'seq']).execute();
      const dataOf = (id: unknown) => rows.find((r) => r.id === id)!.data as Record<string, unknown>;
      expect(dataOf(third.id)).toMatchObject({ level: '3E', levelSource: '3EME' });
      expect(dataOf(odd.id)).toMatchObject({ levelSource: 'PASSERELLE' });
      expect(dataOf(odd.id)).not.toHaveProperty('level');
      expect(dataOf(pupilOfThird.id)).toMatchObject({ level: '3E', levelSource: '10310019110' });
      expect(JSON.parse(rows.find((r) => r.id === third.id)!.body)).toMatchObject({ level: '3E', levelSource: '3EME' });
      const announced = await other.db.selectFrom('change_log').select('record_id').where('seq', '>', before.seq).execute();
      expect(announced.map((r) => r.record_id).sort()).toEqual([third.id, odd.id, pupilOfThird.id].sort());
    } finally {
      await other.close();
    }
  });
});
