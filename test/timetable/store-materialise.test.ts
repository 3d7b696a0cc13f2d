// Occurrences follow their courses, changes and calendar in the store: materialised in the write's transaction,
// written as a diff (a changed course or a cancelled day changes only its own rows, with change-log entries only
// for what changed), at the right instants across the DST change, with deterministic ids.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { occurrenceId } from '../../gateway/timetable/occurrence-id.js';
import { establishment, LYON, newUai, upsert } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
const uai = newUai('069');
const room = { id: randomUUID(), code: 'S101', building: 'A' };
const course = {
  id: randomUUID(), roomIds: [room.id], teacherIds: [], groupIds: [], weekday: 1, startTime: '08:00', durationMinutes: 55, weeks: 'all',
  validFrom: '2026-09-01', validTo: '2027-07-03',
};

const occurrences = () => store.db.selectFrom('occurrence').select(['id', 'starts_at', 'status', 'reason', 'room_ids', 'state', sql<string>`date::text`.as('date')])
  .where('uai', '=', uai).orderBy('starts_at').execute();
const changesLogged = async (after: string) => (await store.db.selectFrom('change_log').select('seq')
  .where('entity', '=', 'occurrence').where('seq', '>', after).execute()).length;
const head = async () => (await store.db.selectFrom('change_counter').select('seq').executeTakeFirstOrThrow()).seq;

beforeAll(async () => {
  store = await openTestStore('tt_store');
  await putEstablishment(store.db, establishment(uai, LYON));
  await applyBatch(store.db, uai, [upsert('room', room), upsert('course', course)] as never);
});
afterAll(async () => store?.close());

describe('materialising in the store', () => {
  it('makes one occurrence per school Monday of zone A, 08:00 local on both sides of the DST change', async () => {
    const rows = await occurrences();
    const dates = rows.map((r) => r.date);
    expect(dates[0]).toBe('2026-09-07');
    // Toussaint (zone A: 17 Oct → 1 Nov 2026) has no Monday session; 11 Nov is a Wednesday.
    expect(dates).not.toContain('2026-10-19');
    expect(dates).not.toContain('2026-10-26');
    expect(dates).toContain('2026-11-02');
    const byDate = new Map(rows.map((r) => [r.date, r]));
    expect(byDate.get('2026-10-12')!.starts_at.toISOString()).toBe('2026-10-12T06:00:00.000Z');
    expect(byDate.get('2026-11-02')!.starts_at.toISOString()).toBe('2026-11-02T07:00:00.000Z');
    expect(byDate.get('2026-11-02')!.id).toBe(occurrenceId(course.id, '2026-11-02'));
    expect(rows.every((r) => r.room_ids.includes(room.id) && r.status === 'scheduled')).toBe(true);
  });

  it('writes nothing when the same course is written again', async () => {
    const before = await head();
    await applyBatch(store.db, uai, [upsert('course', { ...course, sourceIds: { edt: 'C1' } })] as never);
    expect(await changesLogged(before)).toBe(0);
  });

  it('cancels one session with a change, announcing only that occurrence', async () => {
    const before = await head();
    await applyBatch(store.db, uai, [upsert('timetableChange', { id: randomUUID(), courseId: course.id, date: '2026-11-09', kind: 'cancelled', reason: 'teacher-absence' })] as never);
    expect(await changesLogged(before)).toBe(1);
    const cancelled = (await occurrences()).find((r) => r.date === '2026-11-09')!;
    expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'teacher-absence' });
  });

  it('moves every session when the course moves, and deletes them when it is deleted', async () => {
    const count = (await occurrences()).length;
    await applyBatch(store.db, uai, [upsert('course', { ...course, startTime: '09:00' })] as never);
    const moved = await occurrences();
    expect(moved.filter((r) => r.state === 'active')).toHaveLength(count);
    expect(moved.find((r) => r.date === '2026-10-12')!.starts_at.toISOString()).toBe('2026-10-12T07:00:00.000Z');
    await applyBatch(store.db, uai, [{ entity: 'course', op: 'delete', record: { id: course.id } }] as never);
    expect((await occurrences()).every((r) => r.state === 'deleted')).toBe(true);
  });
});
