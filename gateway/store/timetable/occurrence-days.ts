// The sums of the establishments' lesson occurrences per day, the rows the aggregates' disruption and occupancy
// add up. A write of occurrences only marks the days it changes (those a moved session leaves as well as those it
// reaches; every school day of an establishment whose rooms changed): recomputing them in the write made one
// changed course (36 days of a lycée) cost 85 ms more, over bench/occupancy's 100 ms target. The aggregates
// refresh computes the marked days, from the occurrences themselves, in short transactions. Nothing here reads a
// person.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../tables.js';
import { startsAround } from './reads.js';

/**
 * The opening window a room is available in each school day: 10 hours, the occupancy feed's default opening
 * hours (08:00–18:00). A room's busy time of a day counts up to this much.
 */
export const OPENING_SECONDS_PER_DAY = 10 * 3600;

/** How many marked days one refresh transaction computes: writers of those days wait for it to commit. */
const DAYS_PER_TRANSACTION = 2000;

/**
 * Marks days of the establishment for the next refresh: `days` (ISO dates), or every school day it has. The
 * update on conflict locks a day already marked, so that a refresh taking it waits for this write to commit and
 * then reads what it wrote.
 */
export async function markDaysStale(db: Kysely<Database>, uai: string, days: readonly string[] | 'all'): Promise<void> {
  const marked = days === 'all'
    ? sql`select distinct uai, date from occurrence_day where uai = ${uai}`
    : sql`select ${uai}, unnest(${[...days]}::date[])`;
  await sql`
    insert into occurrence_day_stale (uai, date) ${marked}
    on conflict (uai, date) do update set marked_at = now()`.execute(db);
}

/**
 * Computes the marked days again, a few thousand per transaction, up to about `maxDays` (a backlog, such as every
 * day of a national store after the upgrade that brought the day sums, at about 2 ms a day, is then worked off over
 * several refreshes); returns how many.
 */
export async function refreshStaleDays(db: Kysely<Database>, maxDays = Infinity): Promise<number> {
  let total = 0;
  while (total < maxDays) {
    const computed = await db.transaction().execute((trx) => refreshSomeStaleDays(trx));
    total += computed;
    if (computed < DAYS_PER_TRANSACTION) break;
  }
  return total;
}

/**
 * Takes marked days (skipping those a write holds: the next refresh takes them) and writes their sums: the
 * lessons of each day by status and reason, and, for an establishment with active rooms, the time its lessons
 * that are not cancelled hold them (a room's lessons merged, two groups at once counted once, up to
 * OPENING_SECONDS_PER_DAY a day). A day without lessons keeps no row.
 */
async function refreshSomeStaleDays(trx: Kysely<Database>): Promise<number> {
  await sql`create temporary table taken_day (uai text, date date, primary key (uai, date)) on commit drop`.execute(trx);
  const { numAffectedRows } = await sql`
    with taken as (
      delete from occurrence_day_stale where (uai, date) in (
        select uai, date from occurrence_day_stale order by date, uai limit ${DAYS_PER_TRANSACTION} for update skip locked)
      returning uai, date
    )
    insert into taken_day select uai, date from taken`.execute(trx);
  const taken = Number(numAffectedRows ?? 0);
  if (taken === 0) return 0;
  const { rows: [span] } = await sql<{ uais: string[]; first: string; last: string }>`
    select array_agg(distinct uai) as uais, min(date)::text as first, max(date)::text as last from taken_day`.execute(trx);

  // The lessons of the days taken: the establishments' between the first and the last of them, joined to the days.
  // Taken in date order, the days of one transaction span a few dates (a backlog's, one date of 2,000
  // establishments), not the year of each establishment.
  const lessons = sql`occurrence o join taken_day t on t.uai = o.uai and t.date = o.date`;
  const takenRange = sql`o.uai = any(${span.uais}::text[]) and ${startsAround(span.first, span.last)} and o.state = 'active'`;
  await sql`delete from occurrence_day d using taken_day t where d.uai = t.uai and d.date = t.date`.execute(trx);
  await sql`
    insert into occurrence_day (uai, date, status, reason, occurrences)
    select o.uai, o.date, o.status, o.reason, count(*) from ${lessons} where ${takenRange}
    group by o.uai, o.date, o.status, o.reason`.execute(trx);
  await sql`delete from occupancy_day d using taken_day t where d.uai = t.uai and d.date = t.date`.execute(trx);
  await sql`
    with rooms as (
      select r.uai, r.id from roster_record r
      where r.uai in (select distinct uai from taken_day) and r.entity = 'room' and r.status = 'active'
    ),
    room_counts as (select uai, count(*) as rooms from rooms group by uai),
    -- The school days: the dates with any lesson, cancelled ones included (holidays and closures have none).
    school_days as (select distinct d.uai, d.date from occurrence_day d join taken_day t on t.uai = d.uai and t.date = d.date),
    -- Each lesson that is not cancelled once per room, before the rooms are joined (the planner otherwise joins the
    -- rooms to the lessons by establishment, then filters each pair by room: 60 times the rows).
    held as materialized (
      select o.uai, o.date, o.starts_at, o.ends_at, u.room_id
      from ${lessons} cross join lateral unnest(o.room_ids) as u(room_id)
      where ${takenRange} and o.status <> 'cancelled'
    ),
    room_days as (
      select h.uai, h.date, range_agg(tstzrange(h.starts_at, h.ends_at)) as spans
      from held h join rooms on rooms.id = h.room_id and rooms.uai = h.uai
      group by h.uai, h.date, h.room_id
    ),
    occupied as (
      select b.uai, b.date, sum(least(busy.seconds, ${OPENING_SECONDS_PER_DAY})) as seconds
      from room_days b cross join lateral (select sum(extract(epoch from upper(s) - lower(s))) as seconds from unnest(b.spans) as s) busy
      group by b.uai, b.date
    )
    insert into occupancy_day (uai, date, rooms, occupied_seconds)
    select s.uai, s.date, c.rooms, coalesce(oc.seconds, 0)
    from school_days s join room_counts c on c.uai = s.uai left join occupied oc on oc.uai = s.uai and oc.date = s.date`.execute(trx);
  return taken;
}
