// Table `signing_key`: the authorization server's keys and the API's cursor secret, one row per key, told apart
// by `alg` (gateway/auth/keys.ts makes and reads the keys). Writers take one advisory lock, so that concurrent
// processes generate a first key once and rotations keep their order.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './tables.js';

type Reader = Kysely<Database> | Transaction<Database>;

export interface KeyRow {
  kid: string;
  alg: string;
  private_jwk: unknown;
}

/** Runs `work` in a transaction holding the key table's lock. */
export function withKeysLocked<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('passerelle.signing_key'))`.execute(trx);
    return work(trx);
  });
}

/** Keys of these algorithms not retired, newest first. */
export function activeKeyRows(db: Reader, algs: readonly string[]): Promise<KeyRow[]> {
  return db
    .selectFrom('signing_key')
    .select(['kid', 'alg', 'private_jwk'])
    .where('retired_at', 'is', null)
    .where('alg', 'in', [...algs])
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .execute();
}

/** Every key of the algorithm, retired ones included, newest first. */
export function keyHistory(db: Reader, alg: string): Promise<{ kid: string; created_at: Date; retired_at: Date | null }[]> {
  return db.selectFrom('signing_key').select(['kid', 'created_at', 'retired_at']).where('alg', '=', alg).orderBy('created_at', 'desc').execute();
}

/** The oldest key of the algorithm, for a secret made once and never rotated. */
export function firstKeyRow(db: Reader, alg: string): Promise<Pick<KeyRow, 'private_jwk'> | undefined> {
  return db.selectFrom('signing_key').select('private_jwk').where('alg', '=', alg).orderBy('created_at').orderBy('kid').limit(1).executeTakeFirst();
}

// clock_timestamp(), not now(): "newest" must follow the order in which rotations took the lock, not the
// order in which their transactions began.
export async function insertKeyRow(trx: Transaction<Database>, key: { kid: string; alg: string; privateJwk: object }): Promise<void> {
  await trx
    .insertInto('signing_key')
    .values({ kid: key.kid, alg: key.alg, private_jwk: JSON.stringify(key.privateJwk), created_at: sql`clock_timestamp()`, retired_at: null })
    .execute();
}

export async function retireKeyRow(trx: Transaction<Database>, kid: string): Promise<void> {
  await trx.updateTable('signing_key').set({ retired_at: new Date() }).where('kid', '=', kid).execute();
}
