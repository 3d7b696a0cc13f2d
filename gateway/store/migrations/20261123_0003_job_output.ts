// Export jobs: what a job produced and where it went (files, destinations), beside the counts of imports.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sync_job').addColumn('output', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sync_job').dropColumn('output').execute();
}
