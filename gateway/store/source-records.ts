// Reads for deltas, which name records by their source's identifier and not their establishment: where a
// source's records are, what links to a person, and which establishment a source's structure is.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import { coversEstablishment } from './reads/visibility.js';
import type { Database, RosterRecordRow } from './tables.js';
import { chunks, type RosterEntity } from './records.js';

/** Keeps the rows whose establishment (`column`) is inside the perimeter: a delta sees nothing outside its submitter's. */
function within<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, db: Kysely<Database>, column: string, perimeter: readonly PerimeterEntry[]): SelectQueryBuilder<DB, TB, O> {
  if (perimeter.some((entry) => entry.kind === 'national')) return query;
  const inside = db.selectFrom('establishment').select('establishment.uai').where((eb) => coversEstablishment(eb, perimeter));
  return query.where(sql<boolean>`${sql.ref(column)} in (${inside})`);
}

export type SourcedRecord = RosterRecordRow & { entity: RosterEntity; sourceId: string };

/**
 * Every record (in any establishment of the perimeter, tombstones included) that `source` designates by one of
 * `sourceIds`. source_key is keyed by establishment first: without an index on (source, source_id) this scans it
 * once per 5,000 identifiers, fine for deltas.
 */
export async function recordsBySourceIds(
  db: Kysely<Database>, perimeter: readonly PerimeterEntry[], entity: RosterEntity, source: string, sourceIds: string[],
): Promise<SourcedRecord[]> {
  const out: SourcedRecord[] = [];
  for (const chunk of chunks([...new Set(sourceIds)], 5000)) {
    const query = db
      .selectFrom('source_key as k')
      .innerJoin('roster_record as r', 'r.id', 'k.record_id')
      .selectAll('r')
      .select('k.source_id as sourceId')
      .where('k.entity', '=', entity)
      .where('k.source', '=', source)
      .where(sql<boolean>`k.source_id = any(${chunk}::text[])`);
    const rows = await within(query, db, 'k.uai', perimeter).execute();
    out.push(...(rows as SourcedRecord[]));
  }
  return out;
}

/** The active memberships (with their group's kind) and guardian links of an establishment that point at these people. */
export async function linksToPeople(db: Kysely<Database>, uai: string, personIds: string[]): Promise<(RosterRecordRow & { groupKind: string | null })[]> {
  const out: (RosterRecordRow & { groupKind: string | null })[] = [];
  for (const chunk of chunks([...new Set(personIds)], 5000)) {
    const rows = await db
      .selectFrom('roster_record as l')
      .leftJoin('roster_record as g', (join) => join.on(sql<boolean>`g.id::text = l.data->>'groupId'`).on('g.uai', '=', uai))
      .selectAll('l')
      .select('g.kind as groupKind')
      .where('l.uai', '=', uai)
      .where('l.status', '=', 'active')
      .where((eb) => eb.or([
        sql<boolean>`(l.data ? 'personId' and l.data->>'personId' = any(${chunk}::text[]))`,
        sql<boolean>`(l.data ? 'pupilId' and l.data->>'pupilId' = any(${chunk}::text[]))`,
        sql<boolean>`(l.data ? 'guardianId' and l.data->>'guardianId' = any(${chunk}::text[]))`,
      ]))
      .execute();
    out.push(...rows);
  }
  return out;
}

/**
 * The establishments of the perimeter of each source structure whose groups the store holds, groups being
 * identified as `structure$code` (AAF): how a delta that carries no structure file finds its establishments.
 * More than one means the identifier is ambiguous (two académies' feeds).
 */
export async function establishmentsOfGroupStructures(
  db: Kysely<Database>, perimeter: readonly PerimeterEntry[], source: string, structures: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (structures.length === 0) return out;
  const query = db
    .selectFrom('source_key')
    .select([sql<string>`split_part(source_id, '$', 1)`.as('structure'), 'source_key.uai'])
    .distinct()
    .where('entity', '=', 'group')
    .where('source', '=', source)
    .where(sql<boolean>`split_part(source_id, '$', 1) = any(${structures}::text[])`);
  const rows = await within(query, db, 'source_key.uai', perimeter).execute();
  for (const row of rows) out.set(row.structure, [...(out.get(row.structure) ?? []), row.uai]);
  return out;
}
