// Core schema: canonical records, source keys, the change log, perimeter history, API clients, the
// authorization server's storage and the audit log.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('establishment')
    .addColumn('id', 'uuid', (c) => c.notNull().unique())
    .addColumn('uai', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('sector', 'text', (c) => c.notNull())
    .addColumn('commune_code', 'text', (c) => c.notNull())
    .addColumn('departement_code', 'text', (c) => c.notNull())
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('academie_code', 'text', (c) => c.notNull())
    .addColumn('source_ids', 'jsonb', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('body_minimal', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  for (const column of ['commune_code', 'departement_code', 'region_code', 'academie_code', 'seq']) {
    await db.schema.createIndex(`establishment_${column}_idx`).on('establishment').column(column).execute();
  }

  await db.schema
    .createTable('roster_record')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('uai', 'text', (c) => c.notNull().references('establishment.uai'))
    .addColumn('kind', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source_ids', 'jsonb', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull())
    // The record rendered as JSON text, in full and without identifying fields (see store/record-shape.ts).
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('body_minimal', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  // Listings page by id within one establishment and entity (keyset), optionally by kind.
  await db.schema.createIndex('roster_record_listing_idx').on('roster_record').columns(['uai', 'entity', 'id']).execute();
  await db.schema.createIndex('roster_record_kind_idx').on('roster_record').columns(['uai', 'entity', 'kind', 'id']).execute();
  // The change feed reads by sequence, per establishment or across a territory.
  await db.schema.createIndex('roster_record_uai_seq_idx').on('roster_record').columns(['uai', 'seq']).execute();
  await db.schema.createIndex('roster_record_seq_idx').on('roster_record').column('seq').execute();
  for (const link of ['personId', 'groupId', 'guardianId', 'pupilId']) {
    await sql`create index ${sql.id(`roster_record_${link.toLowerCase()}_idx`)} on roster_record (uai, (data->>${sql.lit(link)}), id) where data ? ${sql.lit(link)}`.execute(db);
  }

  // People are matched on INE first, whatever source describes them.
  await sql`create index roster_record_ine_idx on roster_record (uai, (data->>'ine')) where entity = 'person'`.execute(db);

  await db.schema
    .createTable('source_key')
    .addColumn('uai', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('source_key_pk', ['uai', 'entity', 'source', 'source_id'])
    .execute();
  await db.schema.createIndex('source_key_record_idx').on('source_key').column('record_id').execute();

  await db.schema
    .createTable('change_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('record_id', 'uuid', (c) => c.notNull())
    .addColumn('uai', 'text', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_log_record_idx').on('change_log').column('record_id').execute();

  await db.schema
    .createTable('change_counter')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('change_counter').values({ id: 1, seq: 0 }).execute();

  await db.schema
    .createTable('establishment_territory')
    .addColumn('uai', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('commune_code', 'text', (c) => c.notNull())
    .addColumn('departement_code', 'text', (c) => c.notNull())
    .addColumn('region_code', 'text', (c) => c.notNull())
    .addColumn('academie_code', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('establishment_territory_pk', ['uai', 'seq'])
    .execute();
  await db.schema.createIndex('establishment_territory_seq_idx').on('establishment_territory').column('seq').execute();

  await db.schema
    .createTable('api_client')
    .addColumn('client_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('perimeter', sql`text[]`, (c) => c.notNull())
    .addColumn('auth_method', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('jwks', 'jsonb')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('client_perimeter_version')
    .addColumn('client_id', 'text', (c) => c.notNull().references('api_client.client_id'))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('perimeter', sql`text[]`, (c) => c.notNull())
    .addPrimaryKeyConstraint('client_perimeter_version_pk', ['client_id', 'seq'])
    .execute();

  await db.schema
    .createTable('oidc_payload')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('user_code', 'text')
    .addColumn('uid', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('consumed_at', 'timestamptz')
    .addPrimaryKeyConstraint('oidc_payload_pk', ['model', 'id'])
    .execute();
  for (const column of ['grant_id', 'user_code', 'uid', 'expires_at']) {
    await db.schema.createIndex(`oidc_payload_${column}_idx`).on('oidc_payload').column(column).execute();
  }

  await db.schema
    .createTable('signing_key')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('retired_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('uai', 'text')
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .execute();
  await db.schema.createIndex('audit_log_client_at_idx').on('audit_log').columns(['client_id', 'at']).execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_log', 'signing_key', 'oidc_payload', 'client_perimeter_version', 'api_client', 'establishment_territory',
    'change_counter', 'change_log', 'source_key', 'roster_record', 'establishment',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
