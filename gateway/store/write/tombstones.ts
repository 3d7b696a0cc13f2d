// A complete export's deletions: the records its source delivered before that it no longer holds, unless they
// were refused (or link to what was refused), and only up to the safety brake's share.
import { sql, type Transaction } from 'kysely';
import { establishmentRecordEntities } from '../../model/registry.js';
import type { Database } from '../tables.js';
import { ImportHeld } from '../write-errors.js';
import type { Planned, Replacement } from './operations.js';
import { linkedIdsSql } from './references.js';
import { recordsWithIds } from './stored.js';

/** Deletions for the records of the replaced source that the batch no longer holds (results after the batch's). */
export async function tombstonesFor(
  trx: Transaction<Database>,
  uai: string,
  plan: Planned[],
  replacement: Replacement,
  firstIndex: number,
): Promise<Planned[]> {
  const delivered = new Set(plan.map((p) => p.id));
  // Only the keys and links of what the source delivered: the records themselves are read for those to delete.
  const rows: { id: string; source_ids: unknown; links: (string | null)[] }[] = [];
  for (const table of new Set(establishmentRecordEntities().map((e) => e.storage.table))) {
    const { rows: found } = await sql<{ id: string; source_ids: unknown; links: (string | null)[] }>`
      select id, source_ids, ${linkedIdsSql()} as links from ${sql.table(table)}
      where uai = ${uai} and status = 'active' and source_ids ? ${replacement.source}`.execute(trx);
    rows.push(...found);
  }
  const keep = replacement.keep ?? new Set<string>();
  const refused = new Set(rows.filter((row) => keep.has((row.source_ids as Record<string, string>)[replacement.source])).map((row) => row.id));
  // What links to a refused record stays too: a source that refuses a person or a group delivers none of its
  // memberships and links either, and they are no more gone than it is. So do what those link to (a guardian
  // named by the refused pupil alone), or they would link to tombstones; it goes no further.
  const linking = rows.filter((row) => row.links.some((target) => target !== null && refused.has(target)));
  const kept = new Set([...refused, ...linking.map((row) => row.id), ...linking.flatMap((row) => row.links.filter((target) => target !== null))]);
  const missingIds = rows.filter((row) => !delivered.has(row.id) && !kept.has(row.id)).map((row) => row.id);
  if (!replacement.confirmed && missingIds.length > 0 && missingIds.length > replacement.maxDeletionShare * rows.length) {
    throw new ImportHeld(uai, missingIds.length, rows.length);
  }
  const stored = new Map((await recordsWithIds(trx, missingIds)).map((row) => [row.id, row]));
  return missingIds.map((id) => stored.get(id)!).map((row, i) => ({
    index: firstIndex + i,
    operation: { entity: row.entity, op: 'delete' as const, record: { id: row.id } },
    existing: row,
    id: row.id,
    data: row.data as Record<string, unknown>,
    sourceIds: row.source_ids as Record<string, string>,
    outcome: 'deleted' as const,
  }));
}
