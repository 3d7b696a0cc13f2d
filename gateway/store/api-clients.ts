// Tables `api_client` and `client_perimeter_version`: the rows behind gateway/auth/clients.ts, which validates
// and decides; here are only the queries. Every change of perimeter is versioned by change-log sequence.
import { sql, type Kysely, type Transaction } from 'kysely';
import { reserveSequence } from './changelog.js';
import type { ApiClient, ApiClientUpdate, Database, NewApiClient } from './tables.js';

type Reader = Kysely<Database> | Transaction<Database>;

/** Runs `work` in one transaction: a client's change, its guard and its perimeter version commit together. */
export function inClientTransaction<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}

export function insertClientRow(trx: Transaction<Database>, row: NewApiClient): Promise<ApiClient> {
  return trx.insertInto('api_client').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Every client, revoked ones included, oldest first. */
export function clientRows(db: Reader): Promise<ApiClient[]> {
  return db.selectFrom('api_client').selectAll().orderBy('created_at').orderBy('client_id').execute();
}

export function findClientRow(db: Reader, clientId: string): Promise<ApiClient | undefined> {
  return db.selectFrom('api_client').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/** The client's row, locked until the transaction ends. */
export function lockClientRow(trx: Transaction<Database>, clientId: string): Promise<ApiClient | undefined> {
  return trx.selectFrom('api_client').selectAll().where('client_id', '=', clientId).forUpdate().executeTakeFirst();
}

/**
 * The raw row of an active client, for the authorization server and bearer checks; undefined if unknown or
 * revoked. `version` (the row's xmin) changes with every update, so a cached row can be checked for freshness.
 */
export function findActiveClientRow(db: Kysely<Database>, clientId: string): Promise<(ApiClient & { version: string }) | undefined> {
  return db
    .selectFrom('api_client')
    .selectAll()
    .select(sql<string>`xmin::text`.as('version'))
    .where('client_id', '=', clientId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** The active relying parties without credentials (dashboards: auth/relying-party.ts), oldest first. */
export function activePublicPartyRows(db: Reader): Promise<ApiClient[]> {
  return db.selectFrom('api_client').selectAll()
    .where('kind', '=', 'relying-party').where('auth_method', '=', 'none').where('status', '=', 'active')
    .orderBy('created_at').orderBy('client_id').execute();
}

/** Applies `changes` and stamps `updated_at`; returns the row as it now is. */
export function updateClientRow(trx: Transaction<Database>, clientId: string, changes: Omit<ApiClientUpdate, 'updated_at'>): Promise<ApiClient> {
  return trx
    .updateTable('api_client')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('client_id', '=', clientId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function appendPerimeterVersion(trx: Transaction<Database>, clientId: string, perimeter: string[]): Promise<void> {
  // Taken last in the transaction: reserveSequence serialises writers until commit (see changelog.ts).
  const seq = await reserveSequence(trx, 1);
  await trx.insertInto('client_perimeter_version').values({ client_id: clientId, seq: seq.toString(), perimeter }).execute();
}
