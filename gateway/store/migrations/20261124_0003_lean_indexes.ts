// Fewer index entries per written record, for bulk imports (bench/import): no query reads the change log or
// source keys by record id, so those two indexes go; source keys are keyed by the source's identifier first,
// which serves both the write path's lookups (establishment known) and a delta's (establishment unknown).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('change_log_record_idx').execute();
  await db.schema.dropIndex('source_key_record_idx').execute();
  await sql`alter table source_key drop constraint source_key_pk`.execute(db);
  await sql`alter table source_key add constraint source_key_pk primary key (entity, source, source_id, uai)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table source_key drop constraint source_key_pk`.execute(db);
  await sql`alter table source_key add constraint source_key_pk primary key (uai, entity, source, source_id)`.execute(db);
  await db.schema.createIndex('source_key_record_idx').on('source_key').column('record_id').execute();
  await db.schema.createIndex('change_log_record_idx').on('change_log').column('record_id').execute();
}
