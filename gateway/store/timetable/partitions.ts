// The occurrence table is partitioned by school year on the sessions' start: a year's partition is made before
// the first write that needs it (an old year's is detached and dropped once no consumer needs it).
import { sql, type Transaction } from 'kysely';
import type { Database } from '../tables.js';

/** The school year (1 August → 1 August, UTC) an instant falls in, by its first calendar year. */
export function partitionYear(instant: Date): number {
  return instant.getUTCMonth() >= 7 ? instant.getUTCFullYear() : instant.getUTCFullYear() - 1;
}

/** Makes the partitions of the school years from `first` to `last` (first calendar years) that do not exist yet. */
export async function ensureOccurrencePartitions(trx: Transaction<Database>, first: number, last: number): Promise<void> {
  // Two writers making the same partition would collide on the catalogue: one at a time.
  await sql`select pg_advisory_xact_lock(hashtext('occurrence partitions'))`.execute(trx);
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = 'occurrence' and p.relnamespace = current_schema()::regnamespace`.execute(trx);
  const existing = new Set(rows.map((r) => r.name));
  for (let year = first; year <= last; year += 1) {
    const name = `occurrence_${year}_${year + 1}`;
    if (existing.has(name)) continue;
    await sql`create table ${sql.id(name)} partition of occurrence
      for values from (${sql.lit(`${year}-08-01T00:00:00Z`)}) to (${sql.lit(`${year + 1}-08-01T00:00:00Z`)})`.execute(trx);
  }
}
