// The sessions a calendar shows: an establishment's occurrences with their subject's name and their rooms'
// codes, for an iCalendar feed (a group's, a person's, a room's).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';
import { occurrenceConditions, type OccurrenceQuery } from './reads.js';

export interface Session {
  id: string;
  startsAt: Date;
  endsAt: Date;
  status: string;
  reason: string | null;
  subject: string | null;
  rooms: string[];
}

const SESSION_LIMIT = 20_000; // a school year of one group's or teacher's sessions is about 1,200

export async function sessionsOf(db: Kysely<Database>, uai: string, query: OccurrenceQuery): Promise<Session[]> {
  let read = db.selectFrom('occurrence as o')
    .select([
      'o.id', 'o.starts_at', 'o.ends_at', 'o.status', 'o.reason',
      sql<string | null>`(select coalesce(s.data->>'name', s.data->>'code') from roster_record s
        where s.id = o.subject_id and s.uai = o.uai and s.entity = 'subject')`.as('subject'),
      sql<string[] | null>`(select array_agg(r.data->>'code' order by r.data->>'code') from roster_record r
        where r.id = any(o.room_ids) and r.uai = o.uai and r.entity = 'room')`.as('rooms'),
    ])
    .where('o.uai', '=', uai).where('o.state', '=', 'active');
  for (const condition of occurrenceConditions(query, sql`${uai}`)) read = read.where(condition);
  const rows = await read.orderBy('o.starts_at').orderBy('o.id').limit(SESSION_LIMIT).execute();
  return rows.map((row) => ({
    id: row.id, startsAt: row.starts_at, endsAt: row.ends_at, status: row.status, reason: row.reason, subject: row.subject, rooms: row.rooms ?? [],
  }));
}
