// Sync jobs: what was asked (connector, mode, establishment, options), where it stands, what it did or produced, the
// files it was given (kept until it completes, so a retry or a confirmation needs nothing re-sent) and the
// problems it found.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sync_job')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('connector', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('uai', 'text')
    // Jobs with the same key never run at the same time: the establishment, or the connector for deliveries
    // that name their establishments themselves.
    .addColumn('lock_key', 'text', (c) => c.notNull())
    .addColumn('options', 'jsonb', (c) => c.notNull())
    .addColumn('submitted_by', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('cancel_requested', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('progress', 'jsonb')
    .addColumn('counts', 'jsonb')
    .addColumn('establishments', 'jsonb')
    // For an export: the files it produced and the pushes that received them.
    .addColumn('output', 'jsonb')
    .addColumn('problem_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('input_size', 'bigint', (c) => c.notNull())
    .addColumn('input_sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('sync_job_idempotency_idx').unique().on('sync_job').columns(['submitted_by', 'idempotency_key'])
    .where(sql.ref('idempotency_key'), 'is not', null).execute();
  await db.schema.createIndex('sync_job_listing_idx').on('sync_job').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('sync_job_lock_idx').on('sync_job').columns(['lock_key', 'state']).execute();

  await db.schema
    .createTable('sync_job_file')
    .addColumn('job_id', 'uuid', (c) => c.notNull().references('sync_job.id').onDelete('cascade'))
    .addColumn('file_no', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_job_file_pk', ['job_id', 'file_no'])
    .execute();
  await db.schema
    .createTable('sync_job_chunk')
    .addColumn('job_id', 'uuid', (c) => c.notNull())
    .addColumn('file_no', 'integer', (c) => c.notNull())
    .addColumn('part', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_job_chunk_pk', ['job_id', 'file_no', 'part'])
    .addForeignKeyConstraint('sync_job_chunk_file_fk', ['job_id', 'file_no'], 'sync_job_file', ['job_id', 'file_no'], (c) => c.onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('sync_job_problem')
    .addColumn('job_id', 'uuid', (c) => c.notNull().references('sync_job.id').onDelete('cascade'))
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('line', 'integer')
    .addColumn('field', 'text')
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_job_problem_pk', ['job_id', 'n'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sync_job_problem', 'sync_job_chunk', 'sync_job_file', 'sync_job']) await db.schema.dropTable(table).execute();
}
