// What a timetable import matches its teachers, classes, groups, rooms and subjects against: the active records
// of those kinds in the establishment, with their source ids and the fields they are named by.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';

export interface IndexedRecord {
  entity: 'person' | 'group' | 'room' | 'subject';
  id: string;
  sourceIds: Record<string, string>;
  code?: string;
  name?: string;
  familyName?: string;
  givenName?: string;
  kind?: string;
}

export async function rosterIndex(db: Kysely<Database>, uai: string): Promise<IndexedRecord[]> {
  const rows = await db.selectFrom('roster_record')
    .select(['entity', 'id', 'source_ids', sql<Record<string, string>>`jsonb_build_object(
      'code', data->>'code', 'name', data->>'name', 'familyName', data->>'familyName', 'givenName', data->>'givenName', 'kind', data->>'kind')`.as('fields')])
    .where('uai', '=', uai).where('status', '=', 'active')
    .where((eb) => eb.or([
      eb('entity', 'in', ['group', 'room', 'subject']),
      eb.and([eb('entity', '=', 'person'), eb('kind', 'in', ['teacher', 'staff'])]),
    ]))
    .execute();
  return rows.map((row) => {
    const fields = Object.fromEntries(Object.entries(row.fields).filter(([, v]) => v !== null));
    return { entity: row.entity as IndexedRecord['entity'], id: row.id, sourceIds: row.source_ids as Record<string, string>, ...fields };
  });
}
