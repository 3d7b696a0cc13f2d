// SSO federation: who logged in through which upstream provider (an account per provider and subject), which
// roster people each account is linked to, daily login counts for the aggregates, relying parties as a kind of
// API client, and the audit log widened to say what happened (a read, a login, a link, a release of claims).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_account')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_login_at', 'timestamptz')
    .addUniqueConstraint('sso_account_subject_unique', ['provider', 'subject'])
    .execute();
  await db.schema
    .createTable('sso_link')
    .addColumn('account_id', 'uuid', (c) => c.notNull().references('sso_account.id').onDelete('cascade'))
    .addColumn('person_id', 'uuid', (c) => c.notNull())
    .addColumn('uai', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('linked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_login_at', 'timestamptz')
    .addPrimaryKeyConstraint('sso_link_pk', ['account_id', 'person_id'])
    .execute();
  await db.schema.createIndex('sso_link_person_idx').on('sso_link').column('person_id').execute();
  await db.schema
    .createTable('sso_login_day')
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('uai', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('logins', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sso_login_day_pk', ['day', 'uai', 'role', 'provider', 'client_id'])
    .execute();

  // Join keys: an identity provider names a person by a source's id without saying in which establishment
  // (FrEduCtRefId), or by a hash of the INE.
  await sql`create index source_key_person_source_idx on source_key (source, source_id) where entity = 'person'`.execute(db);
  await sql`create index roster_record_ine_md5_idx on roster_record (md5(data->>'ine')) where entity = 'person' and data ? 'ine'`.execute(db);

  await db.schema.alterTable('api_client')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('api'))
    .addColumn('redirect_uris', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('post_logout_redirect_uris', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('backchannel_logout_uri', 'text')
    .addColumn('refresh_tokens', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('all_roles', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  await db.schema.alterTable('audit_log')
    .addColumn('action', 'text', (c) => c.notNull().defaultTo('read'))
    .addColumn('detail', 'jsonb')
    .execute();
}
