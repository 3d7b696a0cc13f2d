// Aggregates: per establishment, the facts the ministry's measures are sums of (pupils, by level; teachers;
// classes and the pupils in them), refreshed for the establishments whose records changed since the last refresh,
// so that a national query sums 60,000 rows instead of counting 12 million people.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('establishment_fact')
    .addColumn('uai', 'text', (c) => c.primaryKey())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('pupils', 'integer', (c) => c.notNull())
    .addColumn('teachers', 'integer', (c) => c.notNull())
    .addColumn('divisions', 'integer', (c) => c.notNull())
    .addColumn('divisions_with_pupils', 'integer', (c) => c.notNull())
    .addColumn('pupils_in_divisions', 'integer', (c) => c.notNull())
    .addColumn('pupils_by_level', 'jsonb', (c) => c.notNull())
    .execute();
  // One row: the change-log position the facts are up to date with.
  await db.schema
    .createTable('aggregate_refresh')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('refreshed_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`insert into aggregate_refresh (id, seq, refreshed_at) values (1, -1, now())`.execute(db);
}
