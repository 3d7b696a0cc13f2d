// Records that belong to no establishment (a holiday zone's calendar, national reference data) get a table of
// their own and a place in the change log, keyed by territory (`zone:A`, `region:84`, `national`) instead of a
// UAI. Contact data (a person's e-mail today; addresses and phones next) is guarded by `roster.contacts`: the
// renderings without guarded fields leave it out from now on.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('change_log').alterColumn('uai', (c) => c.dropNotNull()).execute();
  await db.schema.alterTable('change_log').addColumn('territory', 'text').execute();
  await sql`alter table change_log add constraint change_log_owner_check check ((uai is null) <> (territory is null))`.execute(db);

  // The columns of an establishment's records, with a territory in place of the establishment.
  await sql`create table shared_record (like roster_record)`.execute(db);
  await sql`alter table shared_record drop column uai, drop column kind, add column territory text not null, add primary key (id)`.execute(db);
  await db.schema.createIndex('shared_record_listing_idx').on('shared_record').columns(['entity', 'territory', 'id']).execute();
  await db.schema.createIndex('shared_record_seq_idx').on('shared_record').column('seq').execute();

  await sql`
    update roster_record set body_minimal = (coalesce(body_minimal, body)::jsonb - array['email', 'address', 'phones'])::text
    where entity = 'person' and (data ? 'email' or data ? 'address' or data ? 'phones')`.execute(db);
}
