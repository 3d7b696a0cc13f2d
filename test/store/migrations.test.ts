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
async function storedBefore(uai: string, rows: OldRow[]): Promise<void> {
  const { name, type, sector, communeCode, departementCode, regionCode, academieCode } = establishment(uai, LYON) as Record<string, string>;
  const at = new Date();
  await store.db.insertInto('establishment').values({
    id: crypto.randomUUID(), uai, status: 'active', name, type, sector, commune_code: communeCode, departement_code: departementCode,
    region_code: regionCode, academie_code: academieCode, source_ids: '{}', data: JSON.stringify({ name, type, sector }), body: '{}', body_minimal: null, updated_at: at, seq: 1,
  }).execute();
  for (const [i, row] of rows.entries()) {
    const { id: _id, uai: _uai, sourceIds: _sourceIds, ...data } = row.data;
    await store.db.insertInto('roster_record').values({
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
});
