// Writers of one owner (an establishment, a territory, the nation) take turns: matching by source id and
// reconciliation need a stable view of what the owner holds.
import { sql, type Transaction } from 'kysely';
import type { Database } from './tables.js';
import type { Owner } from './write/rows.js';

export async function lockOwner(trx: Transaction<Database>, owner: Owner): Promise<void> {
  const key = 'uai' in owner ? `establishment:${owner.uai}` : `territory:${owner.territory}`;
  await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
}
