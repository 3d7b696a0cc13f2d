// The aggregates feed over HTTP (responses held to the OpenAPI document): measures from the establishments'
// facts, refreshed incrementally; every margin; small groups and the cells that would give them away
// suppressed; territories wholly inside the caller's perimeter only; JSON and CSV.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshFacts } from '../../gateway/store/aggregates/facts.js';
import { countLogins } from '../../gateway/store/sso/accounts.js';
import { writeOccurrences } from '../../gateway/store/write/derived.js';
import { materialise } from '../../gateway/timetable/materialise.js';
import { course, PARIS_2026_2027 } from '../timetable/school-year.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, LYON, VILLEURBANNE } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { school, seedAggregatesWorld } from '../support/aggregates-world.js';

interface Answer {
  measure: string;
  territory: string;
  by: string[];
  threshold: number;
  freshAt: string;
  cells: Record<string, string | number | null>[];
}

let t: TestGateway;
let national: Api;
let academie: Api;
let lyon: string;
let villeurbanne: string;
let bourg: string;
beforeAll(async () => {
  t = await startTestGateway('aggregates', { AGGREGATES_REFRESH_SECONDS: '0' });
  const db = t.gateway.store.db;
  ({ lyon, villeurbanne, bourg } = await seedAggregatesWorld(db));
  national = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['aggregates.read'], perimeter: ['national'] })).token);
  academie = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['aggregates.read'], perimeter: ['academie:10'] })).token);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const cell = (answer: Answer, where: Record<string, string | null>) =>
  answer.cells.find((c) => Object.entries(where).every(([k, v]) => c[k] === v));

describe('the aggregates feed', () => {
  it('counts pupils by département with the national total, suppressing a small cell and the one that would give it away', async () => {
    const { status, body } = await national.get<Answer>('/v1/aggregates/pupils?by=departement');
    expect(status).toBe(200);
    expect(body).toMatchObject({ measure: 'pupils', territory: 'national', by: ['departement'], threshold: 10 });
    expect(cell(body, { departement: null })).toEqual({ departement: null, value: 72 });
    expect(cell(body, { departement: '069' })).toEqual({ departement: '069', value: 42 });
    expect(cell(body, { departement: '001' })).toEqual({ departement: '001', value: null, suppressed: 'small' });
    // 72 − 42 − 25 would be Bourg's 5: Paris's 25 goes too.
    expect(cell(body, { departement: '075' })).toEqual({ departement: '075', value: null, suppressed: 'complementary' });
  });

  it('splits pupils by level, and never suppresses counts of establishments or classes', async () => {
    const levelsAnswer = await national.get<Answer>('/v1/aggregates/pupils?by=level&territory=departement:069');
    expect(levelsAnswer.status, JSON.stringify(levelsAnswer.body)).toBe(200);
    const levels = levelsAnswer.body;
    expect(cell(levels, { level: '6E' })?.value).toBe(27);
    expect(cell(levels, { level: '5E' })?.value).toBe(15);
    const establishments = (await national.get<Answer>('/v1/aggregates/establishments?by=establishmentType')).body;
    expect(cell(establishments, { establishmentType: 'lycee' })).toEqual({ establishmentType: 'lycee', value: 1 });
    expect(cell(establishments, { establishmentType: null })?.value).toBe(4);
    const classes = (await national.get<Answer>('/v1/aggregates/classes?by=departement')).body;
    expect(cell(classes, { departement: '001' })?.value).toBe(1);
  });

  it('gives the mean class size, suppressing only its small cells (a mean is not a sum)', async () => {
    const { body } = await national.get<Answer>('/v1/aggregates/class-size?by=departement');
    expect(cell(body, { departement: '069' })?.value).toBe(14);
    expect(cell(body, { departement: '001' })).toMatchObject({ value: null, suppressed: 'small' });
    expect(cell(body, { departement: '075' })?.value).toBe(25);
  });

  it('answers a territory wholly inside the perimeter, and any other as missing', async () => {
    expect((await academie.get('/v1/aggregates/teachers?territory=academie:10&by=departement')).status).toBe(200);
    // Région 84 holds only académie 10's establishments here: it is inside.
    expect((await academie.get('/v1/aggregates/teachers?territory=region:84')).status).toBe(200);
    for (const territory of ['national', 'commune:75056', 'departement:033', 'region:11']) {
      const answer = await academie.get<{ type: string; detail: string }>(`/v1/aggregates/teachers?territory=${territory}`);
      expect(answer.status, territory).toBe(404);
      // Paris exists, département 033 holds nothing: the answers say the same.
      expect(answer.body.detail).toBe(`no territory ${territory} in your perimeter`);
    }
    // A national perimeter covers every territory that holds an establishment, and only those.
    expect((await national.get('/v1/aggregates/teachers?territory=departement:033')).status).toBe(404);
    expect((await national.get('/v1/aggregates/teachers?territory=region:84')).status).toBe(200);
    const client = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['national'] });
    expect((await api(t.baseUrl, client.token).get('/v1/aggregates/pupils')).status).toBe(403);
  });

  it('refuses dimensions a measure has not and malformed territories, naming the parameter', async () => {
    const level = await national.get<{ errors: { pointer: string }[] }>('/v1/aggregates/teachers?by=level');
    expect(level.status).toBe(400);
    expect(level.body.errors[0].pointer).toBe('/query/by');
    expect((await national.get('/v1/aggregates/pupils?by=departement,departement')).status).toBe(400);
    expect((await national.get<{ errors: { pointer: string }[] }>('/v1/aggregates/pupils?territory=planet:earth')).body.errors[0].pointer).toBe('/query/territory');
  });

  it('answers CSV, one line per cell, the suppressed ones empty with their reason', async () => {
    const response = await national.get<string>('/v1/aggregates/pupils?by=departement', { headers: { accept: 'text/csv' } });
    expect(response.status).toBe(200);
    const lines = String(response.body).trim().split('\r\n');
    expect(lines[0]).toBe('departement;value;suppressed');
    expect(lines).toContain('001;;small');
    expect(lines).toContain(';72;');
  });

  it('counts SSO logins between two dates, a cell of few logins suppressed as a small group', async () => {
    const login = (uai: string, day: string) => ({ day, uai, role: 'pupil', provider: 'educonnect', clientId: 'pas_aaaaaaaaaaaaaaaa' });
    await countLogins(t.gateway.store.db, [
      ...Array.from({ length: 30 }, () => login(lyon, '2026-11-30')),
      ...Array.from({ length: 12 }, () => login(villeurbanne, '2026-12-01')),
      ...Array.from({ length: 3 }, () => login(bourg, '2026-12-01')),
      ...Array.from({ length: 50 }, () => login(lyon, '2026-11-01')),
    ]);
    const { status, body } = await national.get<Answer>('/v1/aggregates/sso-logins?by=commune&from=2026-11-30&to=2026-12-06');
    expect(status).toBe(200);
    expect(body).toMatchObject({ from: '2026-11-30', to: '2026-12-06' });
    expect(cell(body, { commune: null })?.value).toBe(45);
    expect(cell(body, { commune: LYON.communeCode })?.value).toBe(30);
    expect(cell(body, { commune: BOURG.communeCode })).toMatchObject({ value: null, suppressed: 'small' });
    expect(cell(body, { commune: VILLEURBANNE.communeCode })).toMatchObject({ value: null, suppressed: 'complementary' });
  });

  it('gives the share of lessons cancelled or taught by a substitute between two dates, as of the last refresh, never suppressed', async () => {
    // Tuesdays and Thursdays of January 2027 at the Lyon collège: 8 lessons, one cancelled, one substituted.
    const ids = () => [randomUUID()];
    const january = { validFrom: '2027-01-04', validTo: '2027-01-31', teacherIds: ids(), groupIds: ids(), roomIds: ids() };
    const tuesday = course({ id: randomUUID(), subjectId: randomUUID(), weekday: 2, startTime: '10:00', ...january });
    const thursday = course({ id: randomUUID(), subjectId: randomUUID(), weekday: 4, startTime: '14:00', ...january });
    const { occurrences } = materialise([tuesday, thursday], [
      { id: randomUUID(), courseId: tuesday.id, date: '2027-01-12', status: 'cancelled', reason: 'strike' },
      { id: randomUUID(), courseId: thursday.id, date: '2027-01-21', status: 'substituted', reason: 'teacher-absence', teacherIds: ids() },
    ], PARIS_2026_2027);
    expect(occurrences).toHaveLength(8);
    await t.gateway.store.db.transaction().execute((trx) => writeOccurrences(trx, { uai: lyon, courseIds: 'all', from: '2027-01-01', to: '2027-01-31' }, occurrences));
    const path = '/v1/aggregates/disruption?by=departement&from=2027-01-04&to=2027-01-31';
    const before = (await national.get<Answer>(path)).body;
    expect(cell(before, { departement: '069' })).toBeUndefined();
    expect((await refreshFacts(t.gateway.store.db)).days).toBe(8);
    const { body } = await national.get<Answer>(path);
    expect(body).toMatchObject({ measure: 'disruption', from: '2027-01-04', to: '2027-01-31' });
    expect(Date.parse(body.freshAt)).toBeGreaterThan(Date.parse(before.freshAt));
    expect(cell(body, { departement: '069' })).toEqual({ departement: '069', value: 25 });
    expect(cell(body, { departement: null })).toEqual({ departement: null, value: 25 });
    const outside = (await national.get<Answer>('/v1/aggregates/disruption?from=2027-01-13&to=2027-01-20')).body;
    expect(cell(outside, {})).toEqual({ value: 0 });
    // Until the next refresh the answer is kept: day sums changed behind the refresh's back go unseen.
    await sql`update occurrence_day set occurrences = occurrences * 3 where uai = ${lyon} and status = 'scheduled'`.execute(t.gateway.store.db);
    expect((await national.get<Answer>(path)).body).toEqual(body);
    await sql`update occurrence_day set occurrences = occurrences / 3 where uai = ${lyon} and status = 'scheduled'`.execute(t.gateway.store.db);
  });

  it('refreshes only the establishments that changed, and says when the facts were brought up to date', async () => {
    const before = (await national.get<Answer>('/v1/aggregates/pupils?territory=departement:001')).body;
    await applyBatch(t.gateway.store.db, bourg, school(10, '2DE', 0) as never);
    const outcome = await refreshFacts(t.gateway.store.db);
    expect(outcome.establishments).toBe(1);
    const after = (await national.get<Answer>('/v1/aggregates/pupils?territory=departement:001')).body;
    expect(cell(after, {})?.value).toBe(15);
    expect(Date.parse(after.freshAt)).toBeGreaterThan(Date.parse(before.freshAt));
  });
});
