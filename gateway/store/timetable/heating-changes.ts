// Which establishments' days changed in the timetable after a change-log position: what a building-management
// system following the heating change feed must fetch again. Read from the change log's occurrence entries
// within the visible establishments, in commit order.
import { sql, type Kysely } from 'kysely';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import { committedSequence } from '../changelog.js';
import { establishmentsCoveredBy } from '../reads/visibility.js';
import type { Database } from '../tables.js';
import { CursorAhead } from '../reads/cursor-ahead.js';

export interface ChangedDay {
  uai: string;
  date: string;
}

export interface ChangedDays {
  days: ChangedDay[];
  /** The position everything up to which has been read. */
  position: bigint;
  hasMore: boolean;
}

/** At most `limit` change-log entries are read per call; the days they touch, once each. */
export async function changedDays(db: Kysely<Database>, perimeter: readonly PerimeterEntry[], after: bigint, limit: number): Promise<ChangedDays> {
  const head = await committedSequence(db);
  if (after > head) throw new CursorAhead();
  const rows = await db.selectFrom('change_log as c')
    .innerJoin('occurrence as o', (join) => join.onRef('o.id', '=', 'c.record_id').onRef('o.uai', '=', 'c.uai'))
    .select(['c.seq', 'c.uai', sql<string>`o.date::text`.as('date')])
    .where('c.entity', '=', 'occurrence')
    .where('c.seq', '>', String(after)).where('c.seq', '<=', String(head))
    .where('c.uai', 'in', establishmentsCoveredBy(db, perimeter).select('establishment.uai'))
    .orderBy('c.seq').limit(limit + 1).execute();
  const hasMore = rows.length > limit;
  const read = rows.slice(0, limit);
  const days = new Map<string, ChangedDay>();
  for (const row of read) days.set(`${row.uai}/${row.date}`, { uai: row.uai!, date: row.date });
  return { days: [...days.values()], position: hasMore ? BigInt(read[read.length - 1].seq) : head, hasMore };
}
