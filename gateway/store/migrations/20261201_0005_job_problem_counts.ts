// Sync jobs count their errors and warnings apart, so that a listing says which jobs refused lines without
// reading their reports; jobs finished before count theirs from the problems they recorded, and those that
// completed with refused lines take the state that says so.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sync_job')
    .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('warning_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    update sync_job j
    set error_count = p.errors, warning_count = p.warnings
    from (
      select job_id, count(*) filter (where severity = 'error')::int as errors, count(*) filter (where severity <> 'error')::int as warnings
      from sync_job_problem group by job_id
    ) p
    where p.job_id = j.id`.execute(db);
  await db.updateTable('sync_job').set({ state: 'completed-with-errors' }).where('state', '=', 'completed').where('error_count', '>', 0).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.updateTable('sync_job').set({ state: 'completed' }).where('state', '=', 'completed-with-errors').execute();
  await db.schema.alterTable('sync_job').dropColumn('error_count').dropColumn('warning_count').execute();
}
