// The write path of records the gateway derives (occurrences): the newly materialised set of a scope is staged,
// compared with what the table holds, and only what really changed is written, takes a sequence number (from
// the same counter as writeRows, taken last) and is announced in the one change log; the days it changes are
// marked for the aggregates' day sums. Materialising the same inputs again writes nothing.
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Occurrence } from '../../timetable/model.js';
import { reserveSequence } from '../changelog.js';
import { jsonForPostgres } from '../record-shape.js';
import type { Database } from '../tables.js';
import { markDaysStale } from '../timetable/occurrence-days.js';
import { ensureOccurrencePartitions, partitionYear } from '../timetable/partitions.js';
import { chunks } from './rows.js';

/** Which stored occurrences the new set replaces: the establishment's, of some courses (or all), between two dates. */
export interface MaterialisedScope {
  uai: string;
  /** The courses materialised again; `all`: every course. Extra sessions (no course) are always in scope. */
  courseIds: readonly string[] | 'all';
  /** Inclusive ISO dates of the sessions materialised (a moved session counts by its course's date). */
  from: string;
  to: string;
}

export interface DerivedCounts {
  created: number;
  updated: number;
  deleted: number;
}

const CHUNK = 5000;
const COLUMNS = ['course_id', 'date', 'starts_at', 'ends_at', 'status', 'reason', 'subject_id', 'room_ids', 'teacher_ids', 'group_ids'] as const;

const pgArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/** Writes `occurrences`, the whole new state of `scope`, in the transaction; returns what changed. */
export async function writeOccurrences(trx: Transaction<Database>, scope: MaterialisedScope, occurrences: readonly Occurrence[], at = new Date()): Promise<DerivedCounts> {
  await sql`
    create temporary table if not exists staged_occurrence (
      id uuid primary key, course_id uuid, date date, starts_at timestamptz, ends_at timestamptz, status text, reason text,
      subject_id uuid, room_ids uuid[], teacher_ids uuid[], group_ids uuid[]
    ) on commit drop`.execute(trx);
  await sql`
    create temporary table if not exists occurrence_diff (id uuid primary key, op text not null, created boolean not null, position int)
    on commit drop`.execute(trx);
  for (const chunk of chunks([...occurrences], CHUNK)) {
    const json = jsonForPostgres(chunk.map((o) => ({
      id: o.id, course_id: o.courseId, date: o.date, starts_at: o.startsAt.toISOString(), ends_at: o.endsAt.toISOString(),
      status: o.status, reason: o.reason, subject_id: o.subjectId,
      room_ids: pgArray(o.roomIds), teacher_ids: pgArray(o.teacherIds), group_ids: pgArray(o.groupIds),
    })));
    await sql`
      insert into staged_occurrence
      select r.id, r.course_id, r.date, r.starts_at, r.ends_at, r.status, r.reason, r.subject_id,
        r.room_ids::uuid[], r.teacher_ids::uuid[], r.group_ids::uuid[]
      from json_to_recordset(${json}::json) as r(id uuid, course_id uuid, date date, starts_at timestamptz, ends_at timestamptz,
        status text, reason text, subject_id uuid, room_ids text, teacher_ids text, group_ids text)`.execute(trx);
  }

  const inScope = scopeCondition(scope);
  const stored = (columns: readonly string[], alias: string) => sql.join(columns.map((c) => sql.ref(`${alias}.${c}`)));
  // What changed, before anything is written: the sequence numbers are taken once the count is known.
  await sql`
    insert into occurrence_diff (id, op, created)
    select s.id, 'upsert', o.id is null from staged_occurrence s
    left join occurrence o on o.id = s.id and o.uai = ${scope.uai}
    where o.id is null or o.state = 'deleted' or (${stored(COLUMNS, 'o')}) is distinct from (${stored(COLUMNS, 's')})
    union all
    select o.id, 'delete', false from occurrence o
    where o.uai = ${scope.uai} and o.state = 'active' and ${inScope} and not exists (select 1 from staged_occurrence s where s.id = o.id)`.execute(trx);
  const { rows: [{ count }] } = await sql<{ count: string }>`select count(*)::text as count from occurrence_diff`.execute(trx);
  const changed = Number(count);
  const counts: DerivedCounts = { created: 0, updated: 0, deleted: 0 };
  if (changed > 0) {
    const years = await sql<{ first: Date | null; last: Date | null }>`
      select min(starts_at) as first, max(starts_at) as last from staged_occurrence s join occurrence_diff d using (id)`.execute(trx);
    const { first: earliest, last: latest } = years.rows[0];
    if (earliest && latest) await ensureOccurrencePartitions(trx, partitionYear(earliest), partitionYear(latest));
    await sql`update occurrence_diff d set position = n.position from (
      select id, (row_number() over (order by id))::int - 1 as position from occurrence_diff) n where n.id = d.id`.execute(trx);
    // The days whose sums change: those of the new versions, and those the old ones leave (a session moved).
    const { rows: days } = await sql<{ date: string }>`
      select s.date::text as date from occurrence_diff d join staged_occurrence s using (id)
      union
      select o.date::text from occurrence_diff d join occurrence o on o.id = d.id and o.uai = ${scope.uai} where o.state = 'active'`.execute(trx);

    // Taken last: from here every other writer waits for this transaction to commit.
    const first = await reserveSequence(trx, changed);
    const seq = sql`${String(first)}::int8 + d.position`;
    const { rows: created } = await sql<{ id: string }>`
      insert into occurrence (id, uai, ${sql.join(COLUMNS.map((c) => sql.ref(c)))}, state, seq, updated_at)
      select s.id, ${scope.uai}, ${stored(COLUMNS, 's')}, 'active', ${seq}, ${at}::timestamptz
      from staged_occurrence s join occurrence_diff d using (id) where d.created
      returning id`.execute(trx);
    const { rows: updated } = await sql<{ id: string }>`
      update occurrence o set ${sql.join(COLUMNS.map((c) => sql`${sql.ref(c)} = s.${sql.ref(c)}`))}, state = 'active', seq = ${seq}, updated_at = ${at}::timestamptz
      from staged_occurrence s join occurrence_diff d using (id)
      where o.id = s.id and o.uai = ${scope.uai} and d.op = 'upsert' and not d.created
      returning o.id`.execute(trx);
    const { rows: deleted } = await sql<{ id: string }>`
      update occurrence o set state = 'deleted', seq = ${seq}, updated_at = ${at}::timestamptz
      from occurrence_diff d where o.id = d.id and o.uai = ${scope.uai} and d.op = 'delete'
      returning o.id`.execute(trx);
    await sql`
      insert into change_log (seq, entity, record_id, uai, op, changed_at)
      select ${seq}, 'occurrence', d.id, ${scope.uai}, d.op, ${at}::timestamptz from occurrence_diff d`.execute(trx);
    await markDaysStale(trx, scope.uai, days.map((day) => day.date));
    Object.assign(counts, { created: created.length, updated: updated.length, deleted: deleted.length });
  }
  await sql`truncate staged_occurrence, occurrence_diff`.execute(trx);
  return counts;
}

function scopeCondition(scope: MaterialisedScope): RawBuilder<boolean> {
  const dates = sql<boolean>`o.date between ${scope.from}::date and ${scope.to}::date`;
  if (scope.courseIds === 'all') return dates;
  return sql<boolean>`${dates} and (o.course_id is null or o.course_id = any(${[...scope.courseIds]}::uuid[]))`;
}
