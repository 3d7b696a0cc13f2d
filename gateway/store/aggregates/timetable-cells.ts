// The aggregates read from the lesson occurrences between two dates: how many lessons were cancelled or taught by
// a substitute (by reason), and how much of the rooms' time lessons held. Nothing here reads a person: only
// occurrences' dates, times, statuses, reasons and rooms, and the count of each establishment's rooms.
import { sql, type Kysely } from 'kysely';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import { startsAround } from '../timetable/reads.js';
import type { Database } from '../tables.js';
import { grouping, NOT_DISRUPTED, periodOf, territoryUais, toCell, type Dates, type Dimension, type FactCell } from './cells.js';

/**
 * The opening window a room is available in each school day: 10 hours, the occupancy feed's default opening
 * hours (08:00–18:00). A room's busy time of a day counts up to this much.
 */
export const OPENING_SECONDS_PER_DAY = 10 * 3600;

/**
 * The lesson occurrences of the territory's establishments from `from` to `to`, those cancelled or taught by a
 * substitute, by `by`; split by `reason`, a cell counts the disrupted lessons of that reason (undisrupted ones
 * have none and are left out) and `placeOccurrences` all the lessons of its place and period.
 */
export async function occurrenceCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], dates: Dates): Promise<FactCell[]> {
  const { selected, groupBy, orderBy, partition, column } = grouping(by, dates.period && periodOf(dates.period, sql`o.date`));
  const placeOccurrences = by.includes('reason')
    ? sql`max(case when grouping(${column('reason')}) = 1 then count(*) end) over (partition by ${partition(['reason'])})`
    : sql`count(*)`;
  const { rows } = await withoutJit(db, (q) => sql<Record<string, string | number | null>>`
    select ${sql.join([...selected, sql`count(*) as occurrences`], sql`, `)}, ${placeOccurrences} as place_occurrences,
      count(*) filter (where o.status in ('cancelled', 'substituted')) as disrupted,
      count(*) filter (where o.status = 'cancelled') as cancelled, count(*) filter (where o.status = 'substituted') as substituted
    from occurrence o join establishment e on e.uai = o.uai
    where o.uai in (${territoryUais(db, territory)}) and o.state = 'active'
      and o.date between ${dates.from}::date and ${dates.to}::date and ${startsAround(dates.from, dates.to)}
    group by ${groupBy}
    order by ${orderBy}`.execute(q));
  return rows.map((row) => toCell(by, row)).filter((cell) => cell.dimensions.reason !== NOT_DISRUPTED);
}

/**
 * The rooms' available and occupied time of the territory's establishments from `from` to `to`, by `by`. A
 * school day is a date on which the establishment has any lesson, cancelled ones included (holidays, public
 * holidays and closures materialise none); each of its active rooms is available OPENING_SECONDS_PER_DAY that
 * day, and occupied for the union of its lessons that are not cancelled (two groups at once count once), up to
 * that much. Read live: a week of 1,000 collèges (1M lessons) takes 12 to 17 s here, a département's 0.3 s.
 * TODO: a per-establishment table of daily room time kept by write/derived.ts beside the occurrences (as the
 * store's README plans for région-wide occupancy), once national occupancy must answer within seconds.
 */
export async function occupancyCells(db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], dates: Dates): Promise<FactCell[]> {
  const { selected, groupBy, orderBy } = grouping(by, dates.period && periodOf(dates.period, sql`d.date`));
  const { rows } = await withoutJit(db, (q) => sql<Record<string, string | number | null>>`
    with est as (${territoryUais(db, territory)}),
    -- The occurrences are read once (their scan is most of the cost), for the school days and the rooms' time.
    lessons as materialized (
      select o.uai, o.date, o.status, o.starts_at, o.ends_at, o.room_ids from occurrence o
      where o.uai in (select uai from est) and o.state = 'active'
        and o.date between ${dates.from}::date and ${dates.to}::date and ${startsAround(dates.from, dates.to)}
    ),
    rooms as (
      select r.uai, r.id from roster_record r
      where r.entity = 'room' and r.status = 'active' and r.uai in (select uai from est)
    ),
    room_counts as (select uai, count(*) as rooms from rooms group by uai),
    school_days as (select l.uai, l.date from lessons l group by l.uai, l.date),
    room_days as (
      select l.uai, l.date, range_agg(tstzrange(l.starts_at, l.ends_at)) as spans
      from lessons l cross join lateral unnest(l.room_ids) as u(room_id)
      join rooms on rooms.id = u.room_id and rooms.uai = l.uai
      where l.status <> 'cancelled'
      group by l.uai, l.date, u.room_id
    ),
    occupied as (
      select b.uai, b.date, sum(least(busy.seconds, ${OPENING_SECONDS_PER_DAY})) as seconds
      from room_days b cross join lateral (select sum(extract(epoch from upper(s) - lower(s))) as seconds from unnest(b.spans) as s) busy
      group by b.uai, b.date
    ),
    d as (
      select s.uai, s.date, c.rooms * ${OPENING_SECONDS_PER_DAY} as available, coalesce(oc.seconds, 0) as occupied
      from school_days s join room_counts c on c.uai = s.uai left join occupied oc on oc.uai = s.uai and oc.date = s.date
    )
    select ${sql.join([...selected, sql`coalesce(sum(d.available), 0) as available_seconds`], sql`, `)}, coalesce(round(sum(d.occupied)), 0) as occupied_seconds
    from d join establishment e on e.uai = d.uai
    group by ${groupBy}
    order by ${orderBy}`.execute(q));
  return rows.map((row) => toCell(by, row));
}

/**
 * Runs a read over many occurrences planned without JIT compilation: its compile time costs more than it saves
 * on these statements (as busyIntervals measured for occupancy).
 */
function withoutJit<T>(db: Kysely<Database>, read: (q: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return read(trx);
  });
}
