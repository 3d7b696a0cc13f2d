// Reads of occurrences: a page of an establishment's sessions between two dates (through the gate, like every
// listing), filtered by group, person, room or subject, paged on (start, id); one occurrence by id.
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { GateRefs } from '../reads/gate.js';
import type { ListedRow, PageRequest } from '../reads/records.js';
import type { Database } from '../tables.js';
import { ESTABLISHMENT_TIME_ZONE, occurrenceJson } from './occurrence-json.js';

/** What a listing of occurrences asks for: inclusive local dates, and the filters given (ids). */
export interface OccurrenceQuery {
  from: string;
  to: string;
  group?: string;
  person?: string;
  room?: string;
  subject?: string;
}

/** The paging key of a session: its start in UTC then its id, as text that sorts as the pair does. */
const SESSION_KEY = sql<string>`to_char(o.starts_at at time zone 'UTC', 'YYYYMMDDHH24MISS') || '/' || o.id::text`;

type Read = SelectQueryBuilder<Database, any, ListedRow>;

/**
 * The local dates as a range of the start instant, a day wider on each side whatever the time zone (UTC−10 to
 * UTC+14): what the (uai, starts_at) index and the yearly partitions are searched by.
 */
export function startsAround(from: string, to: string): RawBuilder<boolean> {
  return sql<boolean>`o.starts_at >= ${from}::date - interval '1 day' and o.starts_at < ${to}::date + interval '2 days'`;
}

/** The listing's conditions on occurrence `o` of establishment `uai`: dates and filters. */
export function occurrenceConditions(query: OccurrenceQuery, uai: RawBuilder<unknown> | GateRefs['uai']): RawBuilder<boolean>[] {
  const where: RawBuilder<boolean>[] = [sql<boolean>`o.date between ${query.from}::date and ${query.to}::date`, startsAround(query.from, query.to)];
  if (query.group) where.push(sql<boolean>`${query.group}::uuid = any(o.group_ids)`);
  if (query.room) where.push(sql<boolean>`${query.room}::uuid = any(o.room_ids)`);
  if (query.subject) where.push(sql<boolean>`o.subject_id = ${query.subject}::uuid`);
  if (query.person) {
    // Who teaches the session, or a member of one of its groups on the session's date.
    where.push(sql<boolean>`(${query.person}::uuid = any(o.teacher_ids) or exists (
      select 1 from roster_record m where m.uai = ${uai} and m.entity = 'membership' and m.status = 'active'
        and m.data->>'personId' = ${query.person} and (m.data->>'groupId')::uuid = any(o.group_ids)
        and coalesce(m.data->>'startDate', '') <= o.date::text and coalesce(m.data->>'endDate', '9999') >= o.date::text))`);
  }
  return where;
}

/** A page of occurrences of the gated establishment, as a read for `readThroughGate`. */
export function occurrencePageRead(db: Kysely<Database>, query: OccurrenceQuery, request: PageRequest) {
  return (gate: GateRefs): Read => {
    let read = db.selectFrom('occurrence as o')
      .innerJoin('establishment as e', 'e.uai', 'o.uai')
      .where('o.uai', '=', gate.uai as never)
      .where(sql.ref('o.seq'), '<=', request.asOf === undefined ? gate.position : String(request.asOf))
      .select([SESSION_KEY.as('key'), sql<string>`o.seq::text`.as('seq'), occurrenceJson(ESTABLISHMENT_TIME_ZONE).as('record')]) as unknown as Read;
    for (const condition of occurrenceConditions(query, gate.uai as never)) read = read.where(condition);
    if (!request.includeDeleted) read = read.where(sql.ref('o.state'), '=', 'active');
    if (request.updatedSince) read = read.where(sql.ref('o.updated_at'), '>=', request.updatedSince);
    if (request.after !== undefined) read = read.where(SESSION_KEY, '>', request.after);
    return read.orderBy(SESSION_KEY).limit(request.limit + 1);
  };
}

/** How many occurrences the listing holds in all (`count=true`). */
export async function occurrenceTotal(db: Kysely<Database>, uai: string, asOf: bigint, query: OccurrenceQuery, request: PageRequest): Promise<number> {
  let total = db.selectFrom('occurrence as o').select(sql<string>`count(*)::text`.as('n'))
    .where('o.uai', '=', uai).where('o.seq', '<=', String(asOf));
  for (const condition of occurrenceConditions(query, sql`${uai}`)) total = total.where(condition);
  if (!request.includeDeleted) total = total.where('o.state', '=', 'active');
  if (request.updatedSince) total = total.where('o.updated_at', '>=', request.updatedSince);
  return Number((await total.executeTakeFirstOrThrow()).n);
}

/** The establishment of an occurrence, as an expression for the gate. */
export function establishmentOfOccurrence(id: string) {
  return sql<string>`(select uai from occurrence where id = ${id}::uuid limit 1)`;
}

/** The occurrence with this id in the gated establishment (active or tombstone). */
export function occurrenceRead(db: Kysely<Database>, id: string) {
  return (gate: GateRefs): Read => db.selectFrom('occurrence as o')
    .innerJoin('establishment as e', 'e.uai', 'o.uai')
    .where('o.uai', '=', gate.uai as never)
    .where('o.id', '=', id)
    .select([sql<string>`o.id::text`.as('key'), sql<string>`o.seq::text`.as('seq'), occurrenceJson(ESTABLISHMENT_TIME_ZONE).as('record')]) as unknown as Read;
}
