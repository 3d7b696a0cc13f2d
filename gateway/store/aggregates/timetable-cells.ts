// The aggregates read from the lesson occurrences between two dates: how many lessons were cancelled or taught by
// a substitute (by reason), and how much of the rooms' time lessons held. Both sum the establishments' day sums
// (store/timetable/occurrence-days.ts), kept as the occurrences are written: nothing here reads a lesson or a
// person.
import { sql, type Kysely } from 'kysely';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import { OPENING_SECONDS_PER_DAY } from '../timetable/occurrence-days.js';
import type { Database } from '../tables.js';
import { grouping, NOT_DISRUPTED, periodOf, territoryUais, toCell, type Dates, type Dimension, type FactCell } from './cells.js';

/**
 * The lesson occurrences of the territory's establishments from `from` to `to`, those cancelled or taught by a
 * substitute, by `by`; split by `reason`, a cell counts the disrupted lessons of that reason (undisrupted ones
 * have none and are left out) and `placeOccurrences` all the lessons of its place and period.
 */
export async function occurrenceCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], dates: Dates): Promise<FactCell[]> {
  const { selected, groupBy, orderBy, partition, column } = grouping(by, dates.period && periodOf(dates.period, sql`o.date`));
  const lessons = sql`sum(o.occurrences)`;
  const placeOccurrences = by.includes('reason')
    ? sql`max(case when grouping(${column('reason')}) = 1 then ${lessons} end) over (partition by ${partition(['reason'])})`
    : lessons;
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join([...selected, sql`${lessons} as occurrences`], sql`, `)}, ${placeOccurrences} as place_occurrences,
      coalesce(sum(o.occurrences) filter (where o.status in ('cancelled', 'substituted')), 0) as disrupted,
      coalesce(sum(o.occurrences) filter (where o.status = 'cancelled'), 0) as cancelled,
      coalesce(sum(o.occurrences) filter (where o.status = 'substituted'), 0) as substituted
    from occurrence_day o join establishment e on e.uai = o.uai
    where o.uai in (${territoryUais(db, territory)}) and o.date between ${dates.from}::date and ${dates.to}::date
    group by ${groupBy}
    order by ${orderBy}`.execute(db);
  return rows.map((row) => toCell(by, row)).filter((cell) => cell.dimensions.reason !== NOT_DISRUPTED);
}

/**
 * The rooms' available and occupied time of the territory's establishments from `from` to `to`, by `by`: each
 * active room is available OPENING_SECONDS_PER_DAY on each school day (a date with any lesson, cancelled ones
 * included), and occupied for the union of its lessons that are not cancelled, up to that much.
 */
export async function occupancyCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], dates: Dates): Promise<FactCell[]> {
  const { selected, groupBy, orderBy } = grouping(by, dates.period && periodOf(dates.period, sql`d.date`));
  const { rows } = await sql<Record<string, string | number | null>>`
    select ${sql.join([...selected, sql`coalesce(sum(d.rooms * ${OPENING_SECONDS_PER_DAY}), 0) as available_seconds`], sql`, `)},
      coalesce(round(sum(d.occupied_seconds)), 0) as occupied_seconds
    from occupancy_day d join establishment e on e.uai = d.uai
    where d.uai in (${territoryUais(db, territory)}) and d.date between ${dates.from}::date and ${dates.to}::date
    group by ${groupBy}
    order by ${orderBy}`.execute(db);
  return rows.map((row) => toCell(by, row));
}
