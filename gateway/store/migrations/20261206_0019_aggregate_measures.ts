// Aggregates, more measures: per establishment, the pupils who ever logged in through the gateway's single
// sign-on (SSO adoption), counted with the other facts; new links are found by when they were made, so that a
// refresh reads only the recent ones. The facts are recomputed from scratch at the next refresh.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('establishment_fact')
    .addColumn('pupils_logged_in', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('sso_link_linked_at_idx').on('sso_link').column('linked_at').execute();
  await sql`update aggregate_refresh set seq = -1 where id = 1`.execute(db);
}
