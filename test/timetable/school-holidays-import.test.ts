// The national school calendar imported (calendrier-scolaire) becomes its zone's school year, which the
// timetables of that zone's establishments follow at once: their occurrences are materialised again, and only
// the sessions the new holidays move are written. Another zone's establishments are left alone.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { schoolHolidaysImporter } from '../../gateway/sync/timetable/import-school-holidays.js';
import { establishment, LYON, newUai, PARIS, upsert } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
const lyon = newUai('069'); // zone A
const paris = newUai('075'); // zone C
const course = () => ({ id: randomUUID(), teacherIds: [], groupIds: [], roomIds: [], weekday: 1, startTime: '08:00', durationMinutes: 60, weeks: 'all' });

/** A zone A school year whose Toussaint holidays are a week later than published. */
const EXPORT = JSON.stringify([
  { description: 'Vacances de la Toussaint', population: '-', start_date: '2026-10-23T22:00:00+00:00', end_date: '2026-11-08T23:00:00+00:00', location: 'Lyon', zones: 'Zone A', annee_scolaire: '2026-2027' },
  { description: 'Vacances de Noël', population: '-', start_date: '2026-12-18T23:00:00+00:00', end_date: '2027-01-03T23:00:00+00:00', location: 'Lyon', zones: 'Zone A', annee_scolaire: '2026-2027' },
  { description: "Vacances d'Été", population: '-', start_date: '2027-07-02T22:00:00+00:00', end_date: '2027-07-02T22:00:00+00:00', location: 'Lyon', zones: 'Zone A', annee_scolaire: '2026-2027' },
]);

const mondays = async (uai: string) => (await store.db.selectFrom('occurrence').select(sql<string>`date::text`.as('date'))
  .where('uai', '=', uai).where('state', '=', 'active').where(sql<boolean>`date between '2026-10-12' and '2026-11-16'`).orderBy('date').execute()).map((r) => r.date);

beforeAll(async () => {
  store = await openTestStore('tt_holidays');
  await putEstablishment(store.db, establishment(lyon, LYON));
  await putEstablishment(store.db, establishment(paris, PARIS, { holidayZone: 'C' }));
  for (const uai of [lyon, paris]) await applyBatch(store.db, uai, [upsert('course', { ...course(), validFrom: '2026-09-01', validTo: '2027-07-03' })] as never);
});
afterAll(async () => store?.close());

describe('importing the national school calendar', () => {
  it('starts from the shipped holidays: zone A has no session in the Toussaint holidays of 17 Oct → 1 Nov 2026', async () => {
    expect(await mondays(lyon)).toEqual(['2026-10-12', '2026-11-02', '2026-11-09', '2026-11-16']);
  });

  it('moves the sessions of the zone it changes, and leaves the other zones alone', async () => {
    const parisBefore = await mondays(paris);
    const outcome = await schoolHolidaysImporter.run(store.db, {
      files: [{ name: 'fr-en-calendrier-scolaire.json', open: async function* () { yield Buffer.from(EXPORT); } }],
      mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }],
    });
    expect(outcome.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(outcome.counts.created).toBe(1);
    expect(await mondays(lyon)).toEqual(['2026-10-12', '2026-10-19', '2026-11-09', '2026-11-16']);
    expect(await mondays(paris)).toEqual(parisBefore);
  });

  it('changes nothing when the same calendar comes again', async () => {
    const { seq } = await store.db.selectFrom('change_counter').select('seq').executeTakeFirstOrThrow();
    const outcome = await schoolHolidaysImporter.run(store.db, {
      files: [{ name: 'fr-en-calendrier-scolaire.json', open: async function* () { yield Buffer.from(EXPORT); } }],
      mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }],
    });
    expect(outcome.counts.unchanged).toBe(1);
    expect((await store.db.selectFrom('change_counter').select('seq').executeTakeFirstOrThrow()).seq).toBe(seq);
  });

  it('fails a truncated export with its file and line, writing nothing', async () => {
    const { seq } = await store.db.selectFrom('change_counter').select('seq').executeTakeFirstOrThrow();
    const outcome = await schoolHolidaysImporter.run(store.db, {
      files: [{ name: 'cut.json', open: async function* () { yield Buffer.from(EXPORT.slice(0, 200)); } }],
      mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }],
    });
    expect(outcome.problems).toEqual([expect.objectContaining({ file: 'cut.json', line: expect.any(Number), severity: 'error' })]);
    expect((await store.db.selectFrom('change_counter').select('seq').executeTakeFirstOrThrow()).seq).toBe(seq);
  });
});
