// A timetable imported into an establishment whose school days nothing tells (a zone whose calendar is neither
// shipped nor imported, and no academicYear record) is written, and the import says why no session appears.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { importerNamed } from '../../gateway/sync/importers.js';
import { establishment, newUai } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';
import { pronoteExport } from '../support/timetable-exports.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
const mayotte = newUai('976');

beforeAll(async () => {
  store = await openTestStore('tt_no_calendar');
  await putEstablishment(store.db, establishment(mayotte, { communeCode: '97611', departementCode: '976', regionCode: '06', academieCode: '43' }, { holidayZone: 'mayotte' }));
});
afterAll(async () => store?.close());

describe('a timetable without a school calendar', () => {
  it('is imported, with a warning naming the zone and how to give the calendar', async () => {
    const outcome = await importerNamed('ical')!.run(store.db, {
      files: [pronoteExport()], uai: mayotte, mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }],
    });
    expect(outcome.counts.created).toBeGreaterThan(0);
    expect(outcome.problems).toContainEqual(expect.objectContaining({
      code: 'no-calendar', severity: 'warning', detail: expect.stringMatching(/holiday zone mayotte.*calendrier-scolaire/),
    }));
    const occurrences = await store.db.selectFrom('occurrence').select('id').where('uai', '=', mayotte).execute();
    expect(occurrences).toEqual([]);
  });
});
