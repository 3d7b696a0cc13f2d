// The aggregates feed's measures beyond the facts' counts, over HTTP (responses held to the OpenAPI document):
// SSO adoption, disruption by reason and the lessons cancelled or substituted, room occupancy, sync health, and
// the measures over dates as series by day, week or month, each period suppressed on its own; every one of them
// over a territory inside the caller's perimeter only, counting nothing outside it; JSON and CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEASURES } from '../../gateway/aggregates/measures.js';
import { refreshFacts } from '../../gateway/store/aggregates/facts.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { countLogins } from '../../gateway/store/sso/accounts.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { finishedImport, logInPupils, seedAggregatesWorld, seedLessons } from '../support/aggregates-world.js';
import { BOURG, establishment, LYON, newUai, PARIS, VILLEURBANNE } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type Cells = Record<string, string | number | null>[];
interface Answer {
  measure: string;
  freshAt: string;
  period?: string;
  cells: Cells;
  series: { from: string; to: string; cells: Cells }[];
}

let t: TestGateway;
let national: Api;
let academie: Api;
beforeAll(async () => {
  t = await startTestGateway('aggregates_measures', { AGGREGATES_REFRESH_SECONDS: '0' });
  const db = t.gateway.store.db;
  const { lyon, villeurbanne, bourg, paris } = await seedAggregatesWorld(db);
  // An école no import ever named.
  const quiet = newUai('075');
  await putEstablishment(db, establishment(quiet, PARIS, { type: 'ecole', name: 'École Cler' }));
  await seedLessons(db, lyon);
  await logInPupils(db, lyon, 12);
  await logInPupils(db, villeurbanne, 3);
  await logInPupils(db, bourg, 5);
  await refreshFacts(db);
  const login = (uai: string, day: string) => ({ day, uai, role: 'pupil', provider: 'educonnect', clientId: 'pas_aaaaaaaaaaaaaaaa' });
  await countLogins(db, [
    ...Array.from({ length: 30 }, () => login(lyon, '2026-11-30')),
    ...Array.from({ length: 12 }, () => login(villeurbanne, '2026-12-01')),
    ...Array.from({ length: 3 }, () => login(bourg, '2026-12-01')),
  ]);
  await finishedImport(db, { connector: 'sts-web', uai: lyon, state: 'completed', daysAgo: 2 });
  // Villeurbanne: a failure, then its last success 20 days ago, then two failures.
  await finishedImport(db, { connector: 'sts-web', uai: villeurbanne, state: 'failed', daysAgo: 25 });
  await finishedImport(db, { connector: 'sts-web', uai: villeurbanne, state: 'completed', daysAgo: 20 });
  await finishedImport(db, { connector: 'sts-web', uai: villeurbanne, state: 'failed', daysAgo: 1 });
  await finishedImport(db, { connector: 'sts-web', uai: villeurbanne, state: 'failed', daysAgo: 0 });
  await finishedImport(db, { connector: 'edt', uai: bourg, state: 'failed', daysAgo: 3 });
  // A delivery naming its establishments: Paris's part applied, Lyon's refused.
  await finishedImport(db, {
    connector: 'aaf', uai: null, state: 'completed-with-errors', daysAgo: 1,
    establishments: [{ uai: paris, state: 'completed' }, { uai: lyon, state: 'failed' }],
  });
  national = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['aggregates.read'], perimeter: ['national'] })).token);
  academie = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['aggregates.read'], perimeter: ['academie:10'] })).token);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const cell = (cells: Cells, where: Record<string, string | null>) => cells.find((c) => Object.entries(where).every(([k, v]) => c[k] === v));
const get = async (client: Api, path: string): Promise<Answer> => {
  const { status, body } = await client.get<Answer>(path);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
};

describe('SSO adoption', () => {
  it('gives the share of pupils who ever logged in, suppressing the cells of fewer pupils than the threshold only', async () => {
    const { cells } = await get(national, '/v1/aggregates/sso-adoption?by=departement');
    // Lyon 12 of 30 and Villeurbanne 3 of 12: 15 of 42; Bourg's 5 pupils all logged in, but are 5; Paris none of 25.
    expect(cell(cells, { departement: '069' })).toEqual({ departement: '069', value: 35.7 });
    expect(cell(cells, { departement: '001' })).toEqual({ departement: '001', value: null, suppressed: 'small' });
    expect(cell(cells, { departement: '075' })).toEqual({ departement: '075', value: 0 });
    expect(cell(cells, { departement: null })).toEqual({ departement: null, value: 27.8 });
  });

  it('counts the pupils of a first login at the next refresh, whose time the answer states, cached answers included', async () => {
    const before = await get(national, '/v1/aggregates/sso-adoption?territory=commune:75056');
    expect(cell(before.cells, {})?.value).toBe(0);
    expect(await get(national, '/v1/aggregates/sso-adoption?territory=commune:75056')).toEqual(before);
    const db = t.gateway.store.db;
    const [paris] = await db.selectFrom('establishment').select('uai').where('commune_code', '=', PARIS.communeCode).where('type', '=', 'ecole')
      .where('name', '=', 'École Vaugirard').execute();
    await logInPupils(db, paris.uai, 10);
    expect(await get(national, '/v1/aggregates/sso-adoption?territory=commune:75056')).toEqual(before);
    await refreshFacts(db);
    const after = await get(national, '/v1/aggregates/sso-adoption?territory=commune:75056');
    expect(cell(after.cells, {})?.value).toBe(40);
    expect(Date.parse(after.freshAt)).toBeGreaterThan(Date.parse(before.freshAt));
    // Until the next refresh the answer is not computed again: facts changed behind the refresh's back go unseen.
    await db.updateTable('establishment_fact').set({ pupils_logged_in: 0 }).where('uai', '=', paris.uai).execute();
    expect(await get(national, '/v1/aggregates/sso-adoption?territory=commune:75056')).toEqual(after);
    await db.updateTable('establishment_fact').set({ pupils_logged_in: 10 }).where('uai', '=', paris.uai).execute();
  });
});

describe('disruption and lessons', () => {
  const january = 'from=2027-01-04&to=2027-01-31';

  it('gives the share of lessons disrupted by reason, each out of all its place\'s lessons, and counts the cancelled and substituted ones', async () => {
    const { cells } = await get(national, `/v1/aggregates/disruption?by=departement,reason&${january}`);
    expect(cell(cells, { departement: '069', reason: null })?.value).toBe(25);
    for (const reason of ['strike', 'teacher-absence', 'unspecified']) expect(cell(cells, { departement: '069', reason })?.value, reason).toBe(8.3);
    expect(cells.some((c) => c.reason === 'none')).toBe(false);
    const cancelled = (await get(national, `/v1/aggregates/cancelled-lessons?by=reason&${january}`)).cells;
    expect(cancelled).toHaveLength(4);
    expect(cancelled).toEqual(expect.arrayContaining([
      { reason: 'strike', value: 1 }, { reason: 'teacher-absence', value: 0 }, { reason: 'unspecified', value: 1 }, { reason: null, value: 2 },
    ]));
    const substituted = (await get(national, `/v1/aggregates/substituted-lessons?${january}`)).cells;
    expect(substituted).toEqual([{ value: 1 }]);
  });

  it('splits the dates into weeks, one table each, and says so in CSV with a period column', async () => {
    const answer = await get(national, `/v1/aggregates/disruption?by=departement&period=week&from=2027-01-06&to=2027-01-31`);
    expect(answer.period).toBe('week');
    expect(answer.cells).toBeUndefined();
    expect(answer.series.map((s) => [s.from, s.to, cell(s.cells, { departement: null })?.value])).toEqual([
      ['2027-01-06', '2027-01-10', 0], // the week of the 4th, from the 6th: Thursday's lesson only
      ['2027-01-11', '2027-01-17', 33.3],
      ['2027-01-18', '2027-01-24', 33.3],
      ['2027-01-25', '2027-01-31', 33.3],
    ]);
    const byReason = await get(national, `/v1/aggregates/disruption?by=reason&period=week&${january}`);
    expect(byReason.series.map((s) => cell(s.cells, { reason: 'strike' })?.value ?? null)).toEqual([null, 33.3, null, null]);
    const csv = await national.get<string>(`/v1/aggregates/cancelled-lessons?period=month&${january}`, { headers: { accept: 'text/csv' } });
    expect(String(csv.body).trim().split('\r\n')).toEqual(['period;value;suppressed', '2027-01-04;2;']);
  });
});

describe('room occupancy', () => {
  it('gives the share of the rooms\' school-day hours held by lessons that were not cancelled, overlaps counted once', async () => {
    const { cells } = await get(national, '/v1/aggregates/occupancy-rate?by=commune&from=2027-01-04&to=2027-01-31');
    expect(cell(cells, { commune: LYON.communeCode })?.value).toBe(9.4); // 15 of 160 room-hours
    // No lessons in Villeurbanne: no school day, nothing to measure.
    expect(cell(cells, { commune: VILLEURBANNE.communeCode })).toBeUndefined();
    const weeks = await get(national, '/v1/aggregates/occupancy-rate?period=week&from=2027-01-04&to=2027-01-31');
    expect(weeks.series.map((s) => s.cells)).toEqual([[{ value: 10 }], [{ value: 7.5 }], [{ value: 10 }], [{ value: 10 }]]);
    const empty = await get(national, '/v1/aggregates/occupancy-rate?period=day&from=2027-01-04&to=2027-01-05');
    expect(empty.series).toEqual([{ from: '2027-01-04', to: '2027-01-04', cells: [] }, { from: '2027-01-05', to: '2027-01-05', cells: [{ value: 10 }] }]);
  });
});

describe('SSO logins over time', () => {
  it('suppresses each day\'s table on its own', async () => {
    const { series } = await get(national, '/v1/aggregates/sso-logins?by=commune&period=day&from=2026-11-30&to=2026-12-01');
    expect(series[0].cells).toEqual([{ commune: LYON.communeCode, value: 30 }, { commune: null, value: 30 }]);
    expect(cell(series[1].cells, { commune: BOURG.communeCode })).toMatchObject({ value: null, suppressed: 'small' });
    expect(cell(series[1].cells, { commune: VILLEURBANNE.communeCode })).toMatchObject({ value: null, suppressed: 'complementary' });
    expect(cell(series[1].cells, { commune: null })).toEqual({ commune: null, value: 15 });
  });
});

describe('sync health', () => {
  it('counts the establishments whose last successful import is old or missing, by connector and in all', async () => {
    const answer = await get(national, '/v1/aggregates/sync-stale?by=connector');
    expect(answer).toMatchObject({ staleDays: 7 });
    // Villeurbanne (20 days), Bourg (never), the école no import named; Lyon and Paris imported lately. By
    // connector, each counts its own: Lyon's AAF part was refused, though STS-Web fed it two days ago.
    expect(answer.cells).toEqual([
      { connector: 'aaf', value: 1 }, // Lyon's part refused
      { connector: 'edt', value: 1 },
      { connector: 'none', value: 1 },
      { connector: 'sts-web', value: 1 },
      { connector: null, value: 3 },
    ]);
    const month = await get(national, '/v1/aggregates/sync-stale?staleDays=30');
    expect(month.cells).toEqual([{ value: 2 }]);
  });

  it('counts the imports failed since their connector last succeeded at their establishment', async () => {
    const { cells } = await get(national, '/v1/aggregates/sync-failures?by=connector');
    expect(cells).toEqual([
      { connector: 'aaf', value: 1 }, { connector: 'edt', value: 1 }, { connector: 'none', value: 0 }, { connector: 'sts-web', value: 2 }, { connector: null, value: 4 },
    ]);
  });

  it('counts nothing outside the territory asked, even of a delivery that named establishments on both sides', async () => {
    const stale = await get(academie, '/v1/aggregates/sync-stale?territory=academie:10&by=connector');
    expect(cell(stale.cells, { connector: null })?.value).toBe(2);
    expect(cell(stale.cells, { connector: 'none' })).toBeUndefined();
    const failures = await get(academie, '/v1/aggregates/sync-failures?territory=academie:10&by=departement');
    expect(failures.cells).toEqual([{ departement: '001', value: 1 }, { departement: '069', value: 3 }, { departement: null, value: 4 }]);
  });
});

describe('every measure', () => {
  it('answers a territory outside the perimeter as missing, whatever the measure, cached answers included', async () => {
    // The national client's answers first, kept for the measures the refresh brings up to date.
    for (const measure of Object.keys(MEASURES)) {
      for (const territory of ['national', 'commune:75056']) await get(national, `/v1/aggregates/${measure}?territory=${territory}`);
    }
    for (const measure of Object.keys(MEASURES)) {
      for (const territory of ['national', 'commune:75056', 'departement:033']) {
        const { status, body } = await academie.get<{ detail: string }>(`/v1/aggregates/${measure}?territory=${territory}`);
        expect(status, `${measure} ${territory}`).toBe(404);
        expect(body.detail).toBe(`no territory ${territory} in your perimeter`);
      }
    }
  });

  it('refuses a period for a measure not over dates, and a dimension a measure has not', async () => {
    const period = await national.get<{ errors: { pointer: string }[] }>('/v1/aggregates/pupils?period=week');
    expect(period.status).toBe(400);
    expect(period.body.errors[0].pointer).toBe('/query/period');
    expect((await national.get('/v1/aggregates/disruption?period=year')).status).toBe(400);
    const reason = await national.get<{ errors: { pointer: string }[] }>('/v1/aggregates/occupancy-rate?by=reason');
    expect(reason.body.errors[0].pointer).toBe('/query/by');
  });
});
