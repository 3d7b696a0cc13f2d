// An overseas establishment lives in its own time zone, from its département when its record names none: a
// lycée of La Réunion (UTC+4, no daylight saving) has its 08:00 lessons at 04:00 UTC all year, on the holidays
// its academicYear record gives.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { establishment, newUai, upsert } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
const reunion = newUai('974');
const REUNION = { communeCode: '97411', departementCode: '974', regionCode: '04', academieCode: '28' };

beforeAll(async () => {
  store = await openTestStore('tt_overseas');
  await putEstablishment(store.db, establishment(reunion, REUNION, { type: 'lycee', holidayZone: 'reunion' }));
  await applyBatch(store.db, reunion, [
    upsert('academicYear', { id: randomUUID(), code: '2026-2027', startDate: '2026-08-17', endDate: '2027-07-02', holidays: [{ name: 'Vacances', startDate: '2026-10-17', endDate: '2026-10-25' }] }),
    upsert('course', { id: randomUUID(), teacherIds: [], groupIds: [], roomIds: [], weekday: 1, startTime: '08:00', durationMinutes: 60, weeks: 'all' }),
  ] as never);
});
afterAll(async () => store?.close());

describe('an establishment of La Réunion', () => {
  it('takes its time zone from its département', async () => {
    const row = await store.db.selectFrom('establishment').select('data').where('uai', '=', reunion).executeTakeFirstOrThrow();
    expect((row.data as { timeZone: string }).timeZone).toBe('Indian/Reunion');
  });

  it('has its Monday 08:00 lessons at 04:00 UTC on both sides of metropolitan France\'s DST change, from its own rentrée', async () => {
    const rows = await store.db.selectFrom('occurrence').select([sql<string>`date::text`.as('date'), 'starts_at'])
      .where('uai', '=', reunion).where('state', '=', 'active').orderBy('starts_at').execute();
    expect(rows[0].date).toBe('2026-08-17');
    const at = (date: string) => rows.find((r) => r.date === date)?.starts_at.toISOString();
    expect(at('2026-10-12')).toBe('2026-10-12T04:00:00.000Z');
    expect(at('2026-10-19')).toBeUndefined();
    expect(at('2026-11-02')).toBe('2026-11-02T04:00:00.000Z');
  });
});
