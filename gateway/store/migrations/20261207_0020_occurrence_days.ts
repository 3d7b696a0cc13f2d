// Lesson occurrences summed per establishment and day: the aggregates' disruption and room occupancy sum these
// rows instead of every lesson (read live, a week of 1,000 collèges, 1 M lessons, took 12 to 17 s). Writes of
// occurrences mark the days they change; the aggregates refresh computes the marked days. Every day of the
// occurrences already stored is marked here: the first refresh computes them.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The lessons of a day by status and reason (several rows a day: the undisrupted ones, each reason's).
  await db.schema
    .createTable('occurrence_day')
    .addColumn('uai', 'text', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('occurrences', 'integer', (c) => c.notNull())
    .execute();
  await sql`create index occurrence_day_idx on occurrence_day (uai, date)`.execute(db);
  // A school day (a date with any lesson) of an establishment with rooms: its active rooms, and the seconds of
  // their opening hours held by lessons that are not cancelled.
  await db.schema
    .createTable('occupancy_day')
    .addColumn('uai', 'text', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('rooms', 'integer', (c) => c.notNull())
    .addColumn('occupied_seconds', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('occupancy_day_pk', ['uai', 'date'])
    .execute();
  await db.schema
    .createTable('occurrence_day_stale')
    .addColumn('uai', 'text', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('marked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('occurrence_day_stale_pk', ['uai', 'date'])
    .execute();
  // A refresh takes the marked days in date order.
  await sql`create index occurrence_day_stale_date_idx on occurrence_day_stale (date, uai)`.execute(db);
  await sql`insert into occurrence_day_stale (uai, date) select distinct uai, date from occurrence where state = 'active'`.execute(db);
}
