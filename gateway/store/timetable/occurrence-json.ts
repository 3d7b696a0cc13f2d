// An occurrence as JSON text, built by the database from its columns as it is read (occurrences keep no
// rendering: store/README.md). Instants carry the establishment's offset (`2026-10-26T08:00:00+01:00`), so that
// a consumer reads the local time the timetable says.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { utcInstantText } from '../record-shape.js';
import type { Database } from '../tables.js';

/** `o` is the occurrence row, `tz` an SQL expression of the establishment's time zone. */
export function occurrenceJson(tz: RawBuilder<string>): RawBuilder<string> {
  const instant = (column: string) => sql`local_instant(${sql.ref(`o.${column}`)}, ${tz})`;
  return sql<string>`case when o.state = 'deleted'
    then json_build_object('id', o.id, 'uai', o.uai, 'status', 'deleted', 'updatedAt', ${utcInstantText('o.updated_at')})::text
    else json_strip_nulls(json_build_object(
      'id', o.id, 'uai', o.uai, 'courseId', o.course_id, 'date', o.date, 'start', ${instant('starts_at')}, 'end', ${instant('ends_at')},
      'status', o.status, 'reason', o.reason, 'subjectId', o.subject_id, 'roomIds', o.room_ids, 'teacherIds', o.teacher_ids,
      'groupIds', o.group_ids, 'updatedAt', ${utcInstantText('o.updated_at')}))::text end`;
}

/** The time zone of establishment row `e` (the model's default when it says none). */
export const ESTABLISHMENT_TIME_ZONE = sql<string>`coalesce(e.data->>'timeZone', 'Europe/Paris')`;

/**
 * Occurrences as the change feed reads records: entity, id, uai, the record's status (active or deleted), seq and
 * the record as JSON text (`tombstones`: as a tombstone, for records announced as leaving a perimeter).
 */
export function occurrenceFeedRows(db: Kysely<Database>, entity: string, tombstones: boolean) {
  const record = tombstones
    ? sql<string>`json_build_object('id', o.id, 'uai', o.uai, 'status', 'deleted', 'updatedAt', ${utcInstantText('o.updated_at')})::text`
    : occurrenceJson(ESTABLISHMENT_TIME_ZONE);
  return db.selectFrom('occurrence as o')
    .innerJoin('establishment as e', 'e.uai', 'o.uai')
    .select([
      sql<string>`${entity}::text`.as('entity'), 'o.id', 'o.uai',
      sql<'active' | 'deleted'>`o.state`.as('status'), 'o.seq', record.as('record'),
    ]);
}
