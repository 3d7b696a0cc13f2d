import { Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../gateway/store/db.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { migrationProvider } from '../../gateway/store/migrations/index.js';
import { applyBatch } from '../../gateway/store/records.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';
import { division, establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';

let store: Store;
const schema = uniqueSchema('migrations');

beforeAll(async () => {
  store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
});
afterAll(async () => store?.close());

describe('migrations', () => {
  it('20261125_0004 takes ONDE ids out of the minimal renderings of records stored before', async () => {
    const migrator = new Migrator({ db: store.db, provider: migrationProvider, migrationTableSchema: schema });
    expect((await migrator.migrateTo('20261124_0003_lean_indexes')).error).toBeUndefined();
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON));
    const lina = pupil();
    const cm2 = division('CM2');
    const ine = lina.ine as string;
    await applyBatch(store.db, uai, [
      upsert('person', { ...lina, sourceIds: { onde: ine } }),
      upsert('group', { ...cm2, sourceIds: { aaf: '81000$CM2' } }),
      upsert('membership', { id: crypto.randomUUID(), personId: lina.id, groupId: cm2.id, role: 'pupil', sourceIds: { onde: `${ine}/CM2` } }),
    ] as never);
    // As the gateway rendered them before: ONDE's ids in the minimal renderings, none at all for a membership.
    await store.db.updateTable('roster_record').set({ body_minimal: null }).where('entity', '=', 'membership').execute();
    await store.db.updateTable('roster_record').set({ body_minimal: JSON.stringify({ id: lina.id, sourceIds: { onde: ine }, familyName: 'Martin' }) }).where('id', '=', lina.id as string).execute();
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
