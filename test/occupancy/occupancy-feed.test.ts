// The occupancy and heating feeds over HTTP on a real gateway: a cancelled 8 o'clock lesson frees its room and
// delays the heating, and shows in the change feeds; a commune's snow day closes its école and is lifted; a
// département's client sees its establishments and nothing outside; CSV for spreadsheets; and no answer of these
// feeds holds anything that names a person.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { api, type Api, type ApiResponse } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, establishment, LYON, newUai, pupil, upsert, VILLEURBANNE } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { writeRoster, type RosterIds } from '../support/roster.js';

let t: TestGateway;
let occupancyReader: Api;
let timetableReader: Api;
let writer: Api;
let college: RosterIds;
const collegeUai = newUai('069');
const secondCollegeUai = newUai('069');
const ecoleUai = newUai('069');
const lyceeElsewhereUai = newUai('001');
const lyceeOfLyonUai = newUai('069');
const pupils = [pupil({ familyName: 'Moreau', givenName: 'Inès' }), pupil({ familyName: 'Garnier', givenName: 'Hugo' })];
const maths8 = randomUUID();
const ecoleMorning = randomUUID();
const lyceeCourse = randomUUID();

const MONDAY = '2026-11-16';
const TUESDAY = '2026-11-17';
const at = (date: string, time: string) => `${date}T${time}:00+01:00`;

/** Every JSON body the occupancy and heating feeds answered, for the check that none names a person. */
const answered: unknown[] = [];
const seen = <R extends ApiResponse>(response: R): R => {
  if (response.body !== null && typeof response.body === 'object') answered.push(response.body);
  return response;
};

beforeAll(async () => {
  t = await startTestGateway('occ_feed');
  const db = t.gateway.store.db;
  await putEstablishment(db, establishment(collegeUai, LYON));
  await putEstablishment(db, establishment(secondCollegeUai, LYON));
  await putEstablishment(db, establishment(ecoleUai, VILLEURBANNE, { type: 'ecole', name: 'École Jean Jaurès' }));
  await putEstablishment(db, establishment(lyceeElsewhereUai, BOURG, { type: 'lycee', name: 'Lycée Lalande' }));
  await putEstablishment(db, establishment(lyceeOfLyonUai, LYON, { type: 'lycee', name: 'Lycée du Parc' }));
  college = await writeRoster(db, collegeUai, {
    teachers: [['DUPONT', 'Anne', '101'], ['LEROY', 'Paul', '102']], divisions: ['4A', '4B'], rooms: [['S101', 'A'], ['S102', 'B']],
  });
  await applyBatch(db, collegeUai, [
    ...pupils.map((p) => upsert('person', p)),
    ...pupils.map((p, i) => upsert('membership', { personId: p.id, groupId: college.groups['4A'], role: 'pupil', sourceIds: { test: `m${i}` } })),
    upsert('course', { id: maths8, weekday: 1, startTime: '08:00', durationMinutes: 60, weeks: 'all', teacherIds: [college.teachers.DUPONT], groupIds: [college.groups['4A']], roomIds: [college.rooms.S101] }),
    ...['4A', '4B'].map((code) => upsert('course', { id: randomUUID(), weekday: 1, startTime: '14:00', durationMinutes: 60, weeks: 'all', groupIds: [college.groups[code]], roomIds: [college.rooms.S102] })),
    upsert('course', { id: randomUUID(), weekday: 1, startTime: '10:00', durationMinutes: 60, weeks: 'all', teacherIds: [college.teachers.LEROY], groupIds: [college.groups['4A']], roomIds: [college.rooms.S101] }),
  ] as never);
  const ecole = await writeRoster(db, ecoleUai, { teachers: [['BLANC', 'Marie', '201']], divisions: ['CE1'], rooms: [['C1', 'E']] });
  await applyBatch(db, ecoleUai, [upsert('course', {
    id: ecoleMorning, weekday: 2, startTime: '09:00', durationMinutes: 150, weeks: 'all', teacherIds: [ecole.teachers.BLANC], groupIds: [ecole.groups.CE1], roomIds: [ecole.rooms.C1],
  })] as never);
  for (const uai of [lyceeElsewhereUai, lyceeOfLyonUai]) {
    const lycee = await writeRoster(db, uai, { rooms: [['L1', 'L']] });
    await applyBatch(db, uai, [upsert('course', { id: uai === lyceeOfLyonUai ? lyceeCourse : randomUUID(), weekday: 1, startTime: '08:00', durationMinutes: 60, weeks: 'all', roomIds: [lycee.rooms.L1] })] as never);
  }

  const client = (scopes: string[], perimeter: string[]) => createClientWithToken(db, t.baseUrl, { scopes, perimeter }).then((c) => api(t.baseUrl, c.token));
  occupancyReader = await client(['occupancy.read'], [`uai:${collegeUai}`, `uai:${ecoleUai}`]);
  timetableReader = await client(['timetable.read'], [`uai:${collegeUai}`]);
  writer = await client(['sync.write'], ['national']);
});
afterAll(async () => t?.close());

type Interval = { start: string; end: string };
const roomOf = (body: { rooms: { id: string; busy: Interval[]; busyMinutes: number; rate: number }[] }, id: string) => body.rooms.find((r) => r.id === id)!;
const zoneOf = (body: { zones: { roomIds: string[]; comfort: Interval[] }[] }, id: string) => body.zones.find((z) => z.roomIds.includes(id))!;
const occupancy = async (uai: string, date: string) => seen(await occupancyReader.get(`/v1/establishments/${uai}/occupancy?from=${date}&to=${date}`));
const heating = async (uai: string, date: string) => seen(await occupancyReader.get(`/v1/establishments/${uai}/heating?from=${date}&to=${date}`));

describe('a cancelled 8 o\'clock lesson', () => {
  it('frees its room, delays the heating, and shows in the occurrence and heating change feeds', async () => {
    const before = await occupancy(collegeUai, MONDAY);
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(roomOf(before.body, college.rooms.S101)).toMatchObject({
      busy: [{ start: at(MONDAY, '08:00'), end: at(MONDAY, '09:00') }, { start: at(MONDAY, '10:00'), end: at(MONDAY, '11:00') }], busyMinutes: 120, rate: 0.2,
    });
    // Two groups in one room at once: the room is busy once.
    expect(roomOf(before.body, college.rooms.S102)).toMatchObject({ busy: [{ start: at(MONDAY, '14:00'), end: at(MONDAY, '15:00') }], busyMinutes: 60 });
    const heatingBefore = await heating(collegeUai, MONDAY);
    expect(zoneOf(heatingBefore.body, college.rooms.S101).comfort).toEqual([{ start: at(MONDAY, '07:00'), end: at(MONDAY, '11:00') }]);

    const heatingFeed = seen(await occupancyReader.get('/v1/heating/changes'));
    expect(heatingFeed.status).toBe(200);
    // The first call starts from now: nothing has changed yet.
    expect(heatingFeed.body.data).toEqual([]);
    const changes = async (since?: string) => (await timetableReader.get(`/v1/changes?entity=occurrence&limit=1000${since ? `&since=${since}` : ''}`)).body;
    let feed = await changes();
    while (feed.hasMore) feed = await changes(feed.cursor);

    const written = await writer.post(`/v1/establishments/${collegeUai}/batch`, {
      records: [{ entity: 'timetableChange', op: 'upsert', record: { sourceIds: { test: 'absent' }, courseId: maths8, date: MONDAY, kind: 'cancelled', reason: 'teacher-absence' } }],
    });
    expect(written.status, JSON.stringify(written.body)).toBe(200);
    // A change outside the client's perimeter, which its heating feed must not show.
    expect((await writer.post(`/v1/establishments/${lyceeOfLyonUai}/batch`, {
      records: [{ entity: 'timetableChange', op: 'upsert', record: { sourceIds: { test: 'strike' }, courseId: lyceeCourse, date: MONDAY, kind: 'cancelled', reason: 'strike' } }],
    })).status).toBe(200);

    const after = await occupancy(collegeUai, MONDAY);
    expect(roomOf(after.body, college.rooms.S101)).toMatchObject({ busy: [{ start: at(MONDAY, '10:00'), end: at(MONDAY, '11:00') }], busyMinutes: 60, rate: 0.1 });
    expect(after.body.rate).toBeLessThan(before.body.rate);
    expect(zoneOf((await heating(collegeUai, MONDAY)).body, college.rooms.S101).comfort).toEqual([{ start: at(MONDAY, '09:00'), end: at(MONDAY, '11:00') }]);

    const occurrenceChanges = (await changes(feed.cursor)).data as { entity: string; record: { date: string; status: string; courseId: string } }[];
    expect(occurrenceChanges.map((c) => [c.entity, c.record.courseId, c.record.date, c.record.status])).toEqual([['occurrence', maths8, MONDAY, 'cancelled']]);
    const heatingChanges = seen(await occupancyReader.get(`/v1/heating/changes?cursor=${encodeURIComponent(heatingFeed.body.cursor)}`));
    expect(heatingChanges.status).toBe(200);
    const day = (heatingChanges.body.data as { uai: string; date: string; zones: { roomIds: string[]; comfort: Interval[] }[] }[]).find((d) => d.uai === collegeUai && d.date === MONDAY);
    expect(day, JSON.stringify(heatingChanges.body)).toBeDefined();
    expect(heatingChanges.body.data.map((d: { uai: string; date: string }) => [d.uai, d.date])).toEqual([[collegeUai, MONDAY]]);
    expect(zoneOf(day!, college.rooms.S101).comfort).toEqual([{ start: at(MONDAY, '09:00'), end: at(MONDAY, '11:00') }]);
  });
});

describe('holidays', () => {
  it('are neither busy nor heated: Toussaint, zone A', async () => {
    const holiday = (await occupancy(collegeUai, '2026-10-19')).body;
    expect(holiday).toMatchObject({ closedDates: ['2026-10-19'], busyMinutes: 0, rate: 0 });
    expect((await heating(collegeUai, '2026-10-19')).body.zones.flatMap((z: { comfort: Interval[] }) => z.comfort)).toEqual([]);
  });
});

describe('across the DST change', () => {
  it('gives busy intervals and comfort periods at their local times, in JSON and in iCalendar', async () => {
    const range = 'from=2026-10-12&to=2026-11-02';
    const busy = roomOf(seen(await occupancyReader.get(`/v1/establishments/${collegeUai}/occupancy?${range}`)).body, college.rooms.S101).busy;
    expect(busy[0]).toEqual({ start: '2026-10-12T08:00:00+02:00', end: '2026-10-12T09:00:00+02:00' });
    expect(busy.at(-1)).toEqual({ start: '2026-11-02T10:00:00+01:00', end: '2026-11-02T11:00:00+01:00' });
    const response = await fetch(`${t.baseUrl}/v1/establishments/${collegeUai}/heating?${range}`, {
      headers: { accept: 'text/calendar', authorization: `Bearer ${(await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['occupancy.read'], perimeter: [`uai:${collegeUai}`] })).token}` },
    });
    expect(response.status).toBe(200);
    const calendar = new ICAL.Component(ICAL.parse(await response.text()));
    expect(calendar.getAllSubcomponents('vtimezone').length).toBeGreaterThanOrEqual(1);
    const comfort = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v))
      .filter((e) => e.location === 'A').map((e) => [e.startDate.toJSDate().toISOString(), e.endDate.toJSDate().toISOString()]).sort();
    expect(comfort[0]).toEqual(['2026-10-12T05:00:00.000Z', '2026-10-12T09:00:00.000Z']);
    expect(comfort.at(-1)).toEqual(['2026-11-02T06:00:00.000Z', '2026-11-02T10:00:00.000Z']);
  });
});

describe('a closure of a commune', () => {
  it('is a 404 for a client whose perimeter does not hold the commune, and 403 without sync.write', async () => {
    const lyon = api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write'], perimeter: ['commune:69123'] })).token);
    const closure = { name: 'Neige', startDate: TUESDAY, endDate: TUESDAY };
    const outside = await lyon.post('/v1/closures', { ...closure, territory: 'commune:69266' });
    expect(outside.status).toBe(404);
    expect((await occupancyReader.post('/v1/closures', { ...closure, territory: 'commune:69266' })).status).toBe(403);
  });

  it('cancels the day\'s sessions of its école (no occupancy, no heating), until it is lifted', async () => {
    const [room] = (await occupancy(ecoleUai, TUESDAY)).body.rooms as { id: string; busyMinutes: number }[];
    expect(room.busyMinutes).toBe(150);
    const heatingCursor = seen(await occupancyReader.get('/v1/heating/changes')).body.cursor as string;
    const closed = await writer.post('/v1/closures', { territory: 'commune:69266', name: 'Neige', startDate: TUESDAY, endDate: TUESDAY, reason: 'weather' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(201);
    expect(closed.body.establishments).toBe(1);

    const ecoleSession = () => t.gateway.store.db.selectFrom('occurrence').select(['status', 'reason'])
      .where('uai', '=', ecoleUai).where(sql<boolean>`date = ${TUESDAY}::date`).executeTakeFirstOrThrow();
    expect(await ecoleSession()).toEqual({ status: 'cancelled', reason: 'closure' });
    const during = await occupancy(ecoleUai, TUESDAY);
    expect(during.body).toMatchObject({ busyMinutes: 0, rate: 0 });
    expect(roomOf(during.body, room.id).busy).toEqual([]);
    expect((await heating(ecoleUai, TUESDAY)).body.zones.flatMap((z: { comfort: Interval[] }) => z.comfort)).toEqual([]);
    // A building-management system following the heating changes learns that the day is no longer heated.
    const changed = seen(await occupancyReader.get(`/v1/heating/changes?cursor=${encodeURIComponent(heatingCursor)}`)).body.data as { uai: string; date: string; zones: { comfort: Interval[] }[] }[];
    expect(changed.map((d) => [d.uai, d.date])).toEqual([[ecoleUai, TUESDAY]]);
    expect(changed[0].zones.flatMap((z) => z.comfort)).toEqual([]);
    const lifted = await writer.request('DELETE', `/v1/closures/${closed.body.closure.id as string}`);
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(roomOf((await occupancy(ecoleUai, TUESDAY)).body, room.id).busyMinutes).toBe(150);
    expect(await ecoleSession()).toEqual({ status: 'scheduled', reason: null });
    expect((await heating(ecoleUai, TUESDAY)).body.zones.flatMap((z: { comfort: Interval[] }) => z.comfort)).not.toEqual([]);
  });
});

describe('a département\'s client', () => {
  it('sees its collèges over the perimeter, and gets 404 for a lycée of its own or another département, as for a missing one', async () => {
    const db = t.gateway.store.db;
    const departement = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['occupancy.read'], perimeter: ['departement:069/college'] })).token);
    const perimeter = seen(await departement.get(`/v1/occupancy?from=${MONDAY}&to=${MONDAY}`));
    expect(perimeter.status, JSON.stringify(perimeter.body)).toBe(200);
    const uais = (perimeter.body.data as { uai: string }[]).map((o) => o.uai).sort();
    expect(uais).toEqual([collegeUai, secondCollegeUai].sort());
    const missingUai = newUai('069');
    const missing = await departement.get(`/v1/establishments/${missingUai}/occupancy?from=${MONDAY}&to=${MONDAY}`);
    expect(missing.status).toBe(404);
    for (const lycee of [lyceeOfLyonUai, lyceeElsewhereUai]) {
      const outside = await departement.get(`/v1/establishments/${lycee}/occupancy?from=${MONDAY}&to=${MONDAY}`);
      expect(outside.status).toBe(404);
      expect(outside.body.detail.replace(lycee, 'X')).toBe(missing.body.detail.replace(missingUai, 'X'));
      expect((await departement.get(`/v1/establishments/${lycee}/heating?from=${MONDAY}&to=${MONDAY}`)).status).toBe(404);
    }
    expect((await departement.get(`/v1/establishments/${collegeUai}/heating?from=${MONDAY}&to=${MONDAY}`)).status).toBe(200);
  });
});

describe('scopes', () => {
  it('needs occupancy.read (or timetable.read, which shows more) for occupancy; occupancy.read alone shows no timetable', async () => {
    const rosterOnly = api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read'], perimeter: [`uai:${collegeUai}`] })).token);
    expect((await rosterOnly.get(`/v1/establishments/${collegeUai}/occupancy?from=${MONDAY}&to=${MONDAY}`)).status).toBe(403);
    expect((await rosterOnly.get(`/v1/establishments/${collegeUai}/heating?from=${MONDAY}&to=${MONDAY}`)).status).toBe(403);
    expect((await rosterOnly.get('/v1/heating/changes')).status).toBe(403);
    expect((await timetableReader.get(`/v1/establishments/${collegeUai}/occupancy?from=${MONDAY}&to=${MONDAY}`)).status).toBe(200);
    expect((await occupancyReader.get(`/v1/establishments/${collegeUai}/occurrences?from=${MONDAY}&to=${MONDAY}`)).status).toBe(403);
    expect((await occupancyReader.get('/v1/changes?entity=occurrence')).status).toBe(403);
  });
});

describe('CSV', () => {
  it('starts with a BOM, separates with semicolons and writes decimal commas', async () => {
    const url = `${t.baseUrl}/v1/establishments/${collegeUai}/occupancy?from=2026-11-09&to=${MONDAY}`;
    const token = (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['occupancy.read'], perimeter: [`uai:${collegeUai}`] })).token;
    const response = await fetch(url, { headers: { accept: 'text/csv', authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split(/\r?\n/).filter(Boolean);
    expect(lines[0]).toContain(';');
    expect(lines[0]).not.toContain(',');
    expect(lines.slice(1).join('\n')).toMatch(/;0,[0-9]+/);
    expect(lines.slice(1).join('\n')).not.toMatch(/\b0\.[0-9]+/);
  });
});

describe('no personal data', () => {
  const FORBIDDEN_KEYS = new Set(['teacherIds', 'groupIds', 'personId', 'familyName', 'givenName', 'ine']);

  it('no answer of the occupancy and heating feeds holds a person\'s id, name or INE, nor a key that would', async () => {
    const people = await t.gateway.store.db.selectFrom('roster_record').select(['id', 'data']).where('entity', '=', 'person').execute();
    expect(people.length).toBeGreaterThanOrEqual(5);
    const personal = new Set(people.flatMap((p) => {
      const data = p.data as { familyName?: string; givenName?: string; ine?: string };
      return [p.id, data.familyName, data.givenName, data.ine].filter((v): v is string => typeof v === 'string');
    }));
    expect(answered.length).toBeGreaterThanOrEqual(10);
    const found: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (typeof value === 'string' && personal.has(value)) found.push(`${path} = ${value}`);
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}/${i}`));
      else if (value !== null && typeof value === 'object') {
        for (const [key, v] of Object.entries(value)) {
          if (FORBIDDEN_KEYS.has(key)) found.push(`${path}/${key}`);
          walk(v, `${path}/${key}`);
        }
      }
    };
    answered.forEach((body, i) => walk(body, `#${i}`));
    expect(found).toEqual([]);
  });
});
