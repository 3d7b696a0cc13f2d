// The day sums the aggregates' disruption and occupancy read: a write of occurrences or rooms marks the days it
// changes, and the aggregates refresh computes them. After each write (a timetable, a cancelled and a moved
// session, a room added then removed, a course deleted) and refresh they are what computing them from scratch
// gives, with the room time of two lessons at once counted once; a write made while a refresh holds its days is
// counted; and the migration that brings them marks every day of the occurrences stored before it.
import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { migrationProvider } from '../../gateway/store/migrations/index.js';
import { applyBatch } from '../../gateway/store/records.js';
import { refreshFacts } from '../../gateway/store/aggregates/facts.js';
import { markDaysStale, refreshStaleDays } from '../../gateway/store/timetable/occurrence-days.js';
import { establishment, LYON, newUai, upsert } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
const uai = newUai('069');
const rooms = { a: { id: randomUUID(), code: 'A' }, b: { id: randomUUID(), code: 'B' }, c: { id: randomUUID(), code: 'C' } };
const year = { teacherIds: [], groupIds: [], weeks: 'all', validFrom: '2026-09-01', validTo: '2027-07-03' };
// Mondays: 08:00–08:55 in A, and 08:30–09:30 in A and B (A is held 08:00–09:30, once). Tuesdays: 10:00–11:00 in B.
const early = { id: randomUUID(), roomIds: [rooms.a.id], weekday: 1, startTime: '08:00', durationMinutes: 55, ...year };
const shared = { id: randomUUID(), roomIds: [rooms.a.id, rooms.b.id], weekday: 1, startTime: '08:30', durationMinutes: 60, ...year };
const tuesday = { id: randomUUID(), roomIds: [rooms.b.id], weekday: 2, startTime: '10:00', durationMinutes: 60, ...year };

interface Sums { lessons: string[]; rooms: string[] }

/** The establishment's day sums, as comparable lines. */
async function sums(db = store.db): Promise<Sums> {
  const lessons = await sql<{ line: string }>`select concat_ws(' ', date, status, coalesce(reason, '-'), occurrences) as line
    from occurrence_day where uai = ${uai} order by date, status, reason nulls first`.execute(db);
  const occupied = await sql<{ line: string }>`select concat_ws(' ', date, rooms, occupied_seconds) as line
    from occupancy_day where uai = ${uai} order by date`.execute(db);
  return { lessons: lessons.rows.map((r) => r.line), rooms: occupied.rows.map((r) => r.line) };
}

/** The sums computed again from scratch from the occurrences and rooms as they are. */
async function fromScratch(): Promise<Sums> {
  await sql`delete from occurrence_day where uai = ${uai}`.execute(store.db);
  await sql`delete from occupancy_day where uai = ${uai}`.execute(store.db);
  const { rows } = await sql<{ date: string }>`select distinct date::text as date from occurrence where uai = ${uai} and state = 'active'`.execute(store.db);
  await markDaysStale(store.db, uai, rows.map((r) => r.date));
  await refreshStaleDays(store.db);
  return sums();
}

/** Writes a batch, then refreshes the aggregates; returns the day sums. */
async function written(operations: unknown[]): Promise<Sums> {
  await applyBatch(store.db, uai, operations as never);
  expect((await refreshFacts(store.db)).days).toBeGreaterThan(0);
  return sums();
}

const line = (list: string[], date: string) => list.filter((l) => l.startsWith(date));

beforeAll(async () => {
  store = await openTestStore('occurrence_days');
  await putEstablishment(store.db, establishment(uai, LYON));
});
afterAll(async () => store?.close());

describe('the day sums of lessons and room time', () => {
  it('are computed at the refresh after a timetable is written: each school day\'s lessons, rooms, and room time with overlaps counted once', async () => {
    await applyBatch(store.db, uai, [upsert('room', rooms.a), upsert('room', rooms.b), ...[early, shared, tuesday].map((c) => upsert('course', c))] as never);
    expect(await sums()).toEqual({ lessons: [], rooms: [] });
    const refreshed = await refreshFacts(store.db);
    const now = await sums();
    // A row for each of the school year's Mondays and Tuesdays with lessons.
    const { rows: [school] } = await sql<{ days: number }>`
      select count(distinct date)::int as days from occurrence where uai = ${uai} and state = 'active'`.execute(store.db);
    expect(refreshed.days).toBe(school.days);
    expect(now.rooms).toHaveLength(school.days);
    expect(line(now.lessons, '2026-11-02')).toEqual(['2026-11-02 scheduled - 2']);
    expect(line(now.rooms, '2026-11-02')).toEqual(['2026-11-02 2 9000']); // A 1 h 30 + B 1 h
    expect(line(now.rooms, '2026-11-03')).toEqual(['2026-11-03 2 3600']);
    // Toussaint holidays: no lesson, no school day.
    expect(line(now.rooms, '2026-10-26')).toEqual([]);
    expect(now).toEqual(await fromScratch());
  });

  it('follow a cancelled session: its lesson counts by reason, and its room time no more', async () => {
    const now = await written([upsert('timetableChange', { id: randomUUID(), courseId: shared.id, date: '2026-11-09', kind: 'cancelled', reason: 'strike' })]);
    expect(line(now.lessons, '2026-11-09')).toEqual(['2026-11-09 cancelled strike 1', '2026-11-09 scheduled - 1']);
    expect(line(now.rooms, '2026-11-09')).toEqual(['2026-11-09 2 3300']);
    expect(now).toEqual(await fromScratch());
  });

  it('follow a session moved to another day, on the day it leaves and the day it reaches', async () => {
    const before = await sums();
    const now = await written([upsert('timetableChange', {
      id: randomUUID(), courseId: shared.id, date: '2026-11-16', kind: 'moved', newDate: '2026-11-18', startTime: '14:00',
    })]);
    expect(line(before.lessons, '2026-11-16')).toEqual(['2026-11-16 scheduled - 2']);
    expect(line(now.lessons, '2026-11-16')).toEqual(['2026-11-16 scheduled - 1']);
    expect(line(now.rooms, '2026-11-16')).toEqual(['2026-11-16 2 3300']);
    expect(line(now.lessons, '2026-11-18')).toEqual(['2026-11-18 moved - 1']);
    expect(line(now.rooms, '2026-11-18')).toEqual(['2026-11-18 2 7200']);
    expect(now).toEqual(await fromScratch());
  });

  it('count every school day\'s rooms again when a room is added or removed', async () => {
    const added = await written([upsert('room', rooms.c)]);
    expect(line(added.rooms, '2026-11-02')).toEqual(['2026-11-02 3 9000']);
    expect(added.rooms.every((l) => l.split(' ')[1] === '3')).toBe(true);
    expect(added).toEqual(await fromScratch());

    const removed = await written([{ entity: 'room', op: 'delete', record: { id: rooms.c.id } }]);
    expect(line(removed.rooms, '2026-11-02')).toEqual(['2026-11-02 2 9000']);
    expect(removed).toEqual(await fromScratch());
  });

  it('leave the days a deleted course no longer holds', async () => {
    const now = await written([{ entity: 'course', op: 'delete', record: { id: tuesday.id } }]);
    expect(line(now.lessons, '2026-11-03')).toEqual([]);
    expect(line(now.rooms, '2026-11-03')).toEqual([]);
    expect(now).toEqual(await fromScratch());
  });

  it('count a write that marks a day a refresh is computing: the refresh waits for it, or leaves the day marked', async () => {
    const monday = '2026-11-23';
    await markDaysStale(store.db, uai, [monday]);
    // A write of that day holds its mark until it commits; the refresh meanwhile skips it.
    await store.db.transaction().execute(async (trx) => {
      await markDaysStale(trx, uai, [monday]);
      await sql`update occurrence set status = 'cancelled', reason = 'trip' where uai = ${uai} and date = ${monday} and state = 'active'`.execute(trx);
      expect(await refreshStaleDays(store.db)).toBe(0);
    });
    expect(await refreshStaleDays(store.db)).toBe(1);
    expect(line((await sums()).lessons, monday)).toEqual([`${monday} cancelled trip 2`]);
  });

  it('work a backlog off a few thousand days per transaction, and stop after about as many days as asked', async () => {
    const days = Array.from({ length: 2100 }, (_, i) => new Date(Date.UTC(2031, 0, 1 + i)).toISOString().slice(0, 10));
    await markDaysStale(store.db, uai, days);
    expect(await refreshStaleDays(store.db, 1)).toBe(2000);
    expect(await refreshStaleDays(store.db)).toBe(100);
    expect(await refreshStaleDays(store.db)).toBe(0);
  });

  it('are marked by their migration for every day of the occurrences stored before it, and computed at the next refresh', async () => {
    const kept = await sums();
    expect(kept.lessons.length).toBeGreaterThan(30);
    await sql`drop table occurrence_day, occupancy_day, occurrence_day_stale`.execute(store.db);
    await sql`delete from kysely_migration where name = '20261207_0020_occurrence_days'`.execute(store.db);
    const migrator = new Migrator({ db: store.db, provider: migrationProvider, migrationTableSchema: store.schema });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await sums()).toEqual({ lessons: [], rooms: [] });
    expect((await refreshFacts(store.db)).days).toBe(kept.lessons.map((l) => l.split(' ')[0]).filter((d, i, all) => all.indexOf(d) === i).length);
    expect(await sums()).toEqual(kept);
  });
});
