// 20261201_0005: jobs finished before it count their errors and warnings from the problems they recorded, and
// those that completed with refused lines take the state that says so.
import { Migrator, sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '../../gateway/store/db.js';
import { migrationProvider } from '../../gateway/store/migrations/index.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';

const schema = uniqueSchema('job_counts');
const store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
afterAll(() => store.close());

it('counts the errors and warnings of earlier jobs, and says which completed with errors', async () => {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider, migrationTableSchema: schema });
  expect((await migrator.migrateTo('20261125_0004_minimal_source_ids')).error).toBeUndefined();
  const job = async (id: string, state: string, severities: string[]) => {
    await sql`insert into sync_job (id, kind, connector, mode, lock_key, options, submitted_by, state, priority, input_size, input_sha256, problem_count)
      values (${id}, 'import', 'onde', 'complete', 'k', '{}', 'operator', ${state}, 1, 0, '', ${severities.length})`.execute(store.db);
    for (const [n, severity] of severities.entries()) {
      await sql`insert into sync_job_problem (job_id, n, file, code, severity, detail) values (${id}, ${n}, 'eleves.csv', 'c', ${severity}, 'd')`.execute(store.db);
    }
  };
  const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000004'];
  await job(ids[0], 'completed', ['error', 'warning', 'warning']);
  await job(ids[1], 'completed', ['warning']);
  await job(ids[2], 'failed', ['error']);
  await job(ids[3], 'completed', []);

  expect((await migrator.migrateToLatest()).error).toBeUndefined();
  const rows = await store.db.selectFrom('sync_job').select(['id', 'state', 'error_count', 'warning_count']).orderBy('id').execute();
  expect(rows.map((r) => [r.state, r.error_count, r.warning_count])).toEqual([
    ['completed-with-errors', 1, 2],
    ['completed', 0, 1],
    ['failed', 1, 0],
    ['completed', 0, 0],
  ]);
});
