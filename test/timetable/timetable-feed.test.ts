// The timetable feed over HTTP on a real gateway: a reference fortnight computed by hand (A/B weeks, half groups,
// a room shared by two groups, co-teaching, both sides of the DST change), its filters, paging and ETags, the
// perimeter's 403 and 404, a cancellation written through the batch API showing in the listing and the change
// feed, and iCalendar by token and through a revocable subscription URL.
import { randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateClient } from '../../gateway/auth/clients.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { occurrenceId } from '../../gateway/timetable/occurrence-id.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { writeRoster, type RosterIds } from '../support/roster.js';

let t: TestGateway;
let reader: Api;
let ids: RosterIds;
const college = newUai('069');
const other = newUai('069');
const lea = pupil({ sourceIds: { 'sts-web': 'E-1' } });
const id = (): string => randomUUID();
const course = { maths: id(), svtA: id(), svtB: id(), eps4A: id(), eps4B: id(), techno: id() };

// The two weeks around the Toussaint holidays (zone A, 17 October – 1 November 2026): summer time, then winter time.
const RANGE = 'from=2026-10-12&to=2026-11-08';

beforeAll(async () => {
  t = await startTestGateway('tt_feed');
  const db = t.gateway.store.db;
  for (const uai of [college, other]) await putEstablishment(db, establishment(uai, LYON));
  ids = await writeRoster(db, college, {
    teachers: [['DUPONT', 'Anne', '101'], ['MARTIN', 'Luc', '102'], ['LEROY', 'Paul', '103']],
    divisions: ['4A', '4B'], groups: ['4A_G1', '4A_G2'],
    subjects: [['061300', 'MATHEMATIQUES'], ['062900', 'SVT'], ['100100', 'EPS'], ['030201', 'TECHNOLOGIE']],
    rooms: [['S101', 'A'], ['LAB', 'A'], ['GYM', 'G']],
  });
  const { teachers: te, groups: g, subjects: s, rooms: r } = ids;
  const weekly = { durationMinutes: 60, weeks: 'all' };
  await applyBatch(db, college, [
    upsert('academicYear', {
      code: '2026-2027', startDate: '2026-09-01', endDate: '2027-07-03',
      alternations: [{ label: 'A', weeks: ['2026-10-12', '2026-11-09'] }, { label: 'B', weeks: ['2026-10-05', '2026-11-02'] }],
      sourceIds: { test: '2026-2027' },
    }),
    upsert('person', lea),
    upsert('membership', { personId: lea.id, groupId: g['4A'], role: 'pupil', sourceIds: { test: 'm1' } }),
    upsert('membership', { personId: lea.id, groupId: g['4A_G1'], role: 'pupil', sourceIds: { test: 'm2' } }),
    upsert('course', { id: course.maths, ...weekly, durationMinutes: 55, weekday: 1, startTime: '08:00', subjectId: s.MATHEMATIQUES, teacherIds: [te.DUPONT], groupIds: [g['4A']], roomIds: [r.S101] }),
    upsert('course', { id: course.svtA, ...weekly, weeks: 'A', weekday: 2, startTime: '10:00', subjectId: s.SVT, teacherIds: [te.MARTIN], groupIds: [g['4A_G1']], roomIds: [r.LAB] }),
    upsert('course', { id: course.svtB, ...weekly, weeks: 'B', weekday: 2, startTime: '10:00', subjectId: s.SVT, teacherIds: [te.MARTIN], groupIds: [g['4A_G2']], roomIds: [r.LAB] }),
    upsert('course', { id: course.eps4A, ...weekly, durationMinutes: 120, weekday: 4, startTime: '14:00', subjectId: s.EPS, teacherIds: [te.LEROY], groupIds: [g['4A']], roomIds: [r.GYM] }),
    upsert('course', { id: course.eps4B, ...weekly, durationMinutes: 120, weekday: 4, startTime: '14:00', subjectId: s.EPS, teacherIds: [te.DUPONT], groupIds: [g['4B']], roomIds: [r.GYM] }),
    upsert('course', { id: course.techno, ...weekly, weekday: 5, startTime: '09:00', subjectId: s.TECHNOLOGIE, teacherIds: [te.DUPONT, te.MARTIN], groupIds: [g['4B']], roomIds: [r.S101] }),
  ] as never);
  const elsewhere = await writeRoster(db, other, { rooms: [['X1', 'A']] });
  await applyBatch(db, other, [upsert('course', { id: randomUUID(), weekday: 1, startTime: '08:00', durationMinutes: 60, weeks: 'all', roomIds: [elsewhere.rooms.X1] })] as never);
  reader = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['timetable.read'], perimeter: [`uai:${college}`] })).token);
});
afterAll(async () => t?.close());

/** The reference fortnight, by hand: [course, date, start, end] in local time with the offset of the day. */
function expectedFortnight() {
  const { teachers: te, groups: g, subjects: s, rooms: r } = ids;
  const of = {
    [course.maths]: { subjectId: s.MATHEMATIQUES, roomIds: [r.S101], teacherIds: [te.DUPONT], groupIds: [g['4A']] },
    [course.svtA]: { subjectId: s.SVT, roomIds: [r.LAB], teacherIds: [te.MARTIN], groupIds: [g['4A_G1']] },
    [course.svtB]: { subjectId: s.SVT, roomIds: [r.LAB], teacherIds: [te.MARTIN], groupIds: [g['4A_G2']] },
    [course.eps4A]: { subjectId: s.EPS, roomIds: [r.GYM], teacherIds: [te.LEROY], groupIds: [g['4A']] },
    [course.eps4B]: { subjectId: s.EPS, roomIds: [r.GYM], teacherIds: [te.DUPONT], groupIds: [g['4B']] },
    [course.techno]: { subjectId: s.TECHNOLOGIE, roomIds: [r.S101], teacherIds: [te.DUPONT, te.MARTIN], groupIds: [g['4B']] },
  };
  const sessions: [string, string, string, string][] = [
    [course.maths, '2026-10-12', '2026-10-12T08:00:00+02:00', '2026-10-12T08:55:00+02:00'],
    [course.svtA, '2026-10-13', '2026-10-13T10:00:00+02:00', '2026-10-13T11:00:00+02:00'],
    [course.eps4A, '2026-10-15', '2026-10-15T14:00:00+02:00', '2026-10-15T16:00:00+02:00'],
    [course.eps4B, '2026-10-15', '2026-10-15T14:00:00+02:00', '2026-10-15T16:00:00+02:00'],
    [course.techno, '2026-10-16', '2026-10-16T09:00:00+02:00', '2026-10-16T10:00:00+02:00'],
    [course.maths, '2026-11-02', '2026-11-02T08:00:00+01:00', '2026-11-02T08:55:00+01:00'],
    [course.svtB, '2026-11-03', '2026-11-03T10:00:00+01:00', '2026-11-03T11:00:00+01:00'],
    [course.eps4A, '2026-11-05', '2026-11-05T14:00:00+01:00', '2026-11-05T16:00:00+01:00'],
    [course.eps4B, '2026-11-05', '2026-11-05T14:00:00+01:00', '2026-11-05T16:00:00+01:00'],
    [course.techno, '2026-11-06', '2026-11-06T09:00:00+01:00', '2026-11-06T10:00:00+01:00'],
  ];
  const listed = sessions.map(([courseId, date, start, end]) => ({
    id: occurrenceId(courseId, date), uai: college, courseId, date, start, end, status: 'scheduled', ...of[courseId],
  }));
  // Sessions at the same instant come in the order of their ids.
  return listed.sort((a, b) => new Date(a.start).getTime() - new Date(b.start).getTime() || a.id.localeCompare(b.id));
}

const withoutUpdatedAt = (list: Record<string, unknown>[]) => list.map(({ updatedAt: _u, ...rest }) => ({
  ...rest, ...(Array.isArray(rest.teacherIds) ? { teacherIds: [...rest.teacherIds as string[]].sort() } : {}),
}));
const sortedTeachers = (list: ReturnType<typeof expectedFortnight>) => list.map((o) => ({ ...o, teacherIds: [...o.teacherIds].sort() }));
const idsOf = (list: { id: string }[]) => list.map((o) => o.id);

describe('listing occurrences', () => {
  it('gives the reference fortnight as computed by hand: A/B weeks, half groups, a shared room, co-teaching, +02:00 then +01:00', async () => {
    const page = await reader.get(`/v1/establishments/${college}/occurrences?${RANGE}&limit=100`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(withoutUpdatedAt(page.body.data)).toEqual(sortedTeachers(expectedFortnight()));
    expect(page.body.next).toBeNull();
  });

  it('filters by group, by person (a pupil through her memberships, a teacher), by room and by subject', async () => {
    const expected = expectedFortnight();
    const listed = async (filter: string) => idsOf((await reader.get(`/v1/establishments/${college}/occurrences?${RANGE}&${filter}`)).body.data);
    const where = (keep: (o: (typeof expected)[number]) => boolean) => idsOf(expected.filter(keep));
    expect(await listed(`group=${ids.groups['4A_G1']}`)).toEqual(where((o) => o.courseId === course.svtA));
    expect(await listed(`person=${lea.id as string}`)).toEqual(where((o) => [course.maths, course.svtA, course.eps4A].includes(o.courseId)));
    expect(await listed(`person=${ids.teachers.MARTIN}`)).toEqual(where((o) => [course.svtA, course.svtB, course.techno].includes(o.courseId)));
    expect(await listed(`room=${ids.rooms.GYM}`)).toEqual(where((o) => o.courseId === course.eps4A || o.courseId === course.eps4B));
    expect(await listed(`subject=${ids.subjects.SVT}`)).toEqual(where((o) => o.courseId === course.svtA || o.courseId === course.svtB));
    expect((await reader.get(`/v1/establishments/${college}/occurrences?room=S101`)).status).toBe(400);
  });

  it('pages with limit and next, and answers 304 to the ETag of a page it has not changed', async () => {
    const seen: string[] = [];
    let page = await reader.get(`/v1/establishments/${college}/occurrences?${RANGE}&limit=3`);
    expect(page.body.data).toHaveLength(3);
    const etag = page.headers.get('etag')!;
    expect((await reader.get(`/v1/establishments/${college}/occurrences?${RANGE}&limit=3`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    for (;;) {
      seen.push(...idsOf(page.body.data));
      if (!page.body.next) break;
      page = await reader.get(page.body.next.slice(t.baseUrl.length));
    }
    expect(seen).toEqual(idsOf(expectedFortnight()));
  });

  it('is 403 without timetable.read, and 404 for an establishment outside the perimeter as for a missing one', async () => {
    const db = t.gateway.store.db;
    const rosterOnly = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['roster.read'], perimeter: [`uai:${college}`] })).token);
    expect((await rosterOnly.get(`/v1/establishments/${college}/occurrences?${RANGE}`)).status).toBe(403);
    const missingUai = newUai('001');
    const outside = await reader.get(`/v1/establishments/${other}/occurrences?${RANGE}`);
    const missing = await reader.get(`/v1/establishments/${missingUai}/occurrences?${RANGE}`);
    expect([outside.status, missing.status]).toEqual([404, 404]);
    expect(outside.body.detail.replace(other, 'X')).toBe(missing.body.detail.replace(missingUai, 'X'));
  });
});

describe('one occurrence', () => {
  it('is read by id with an ETag, and is a 404 outside the perimeter as when unknown', async () => {
    const [first] = expectedFortnight();
    const found = await reader.get(`/v1/occurrences/${first.id}`);
    expect(found.status).toBe(200);
    expect(withoutUpdatedAt([found.body])).toEqual(sortedTeachers([first]));
    expect((await reader.get(`/v1/occurrences/${first.id}`, { headers: { 'if-none-match': found.headers.get('etag')! } })).status).toBe(304);
    const [elsewhere] = await t.gateway.store.db.selectFrom('occurrence').select('id').where('uai', '=', other).limit(1).execute();
    const outside = await reader.get(`/v1/occurrences/${elsewhere.id}`);
    const unknownId = randomUUID();
    const unknown = await reader.get(`/v1/occurrences/${unknownId}`);
    expect([outside.status, unknown.status]).toEqual([404, 404]);
    expect(outside.body.detail.replace(elsewhere.id, 'X')).toBe(unknown.body.detail.replace(unknownId, 'X'));
  });
});

describe('iCalendar', () => {
  it('gives a group\'s sessions at their local times on both sides of the DST change, with a VTIMEZONE', async () => {
    const response = await reader.get(`/v1/establishments/${college}/timetable.ics?group=${ids.groups['4A']}&${RANGE}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/calendar/);
    const calendar = new ICAL.Component(ICAL.parse(response.body as string));
    expect(calendar.getAllSubcomponents('vtimezone').length).toBeGreaterThanOrEqual(1);
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    const starts = events.map((e) => [e.startDate.toString(), e.startDate.toJSDate().toISOString()]).sort();
    expect(starts).toEqual([
      ['2026-10-12T08:00:00', '2026-10-12T06:00:00.000Z'],
      ['2026-10-15T14:00:00', '2026-10-15T12:00:00.000Z'],
      ['2026-11-02T08:00:00', '2026-11-02T07:00:00.000Z'],
      ['2026-11-05T14:00:00', '2026-11-05T13:00:00.000Z'],
    ]);
    expect(events.every((e) => e.startDate.zone?.tzid === 'Europe/Paris')).toBe(true);
  });

  it('serves a subscription URL without a token until it is deleted; a forged URL is a 404', async () => {
    const created = await reader.post(`/v1/establishments/${college}/calendar-subscriptions`, { group: ids.groups['4A'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const path = (created.body.url as string).slice(t.baseUrl.length);
    const anonymous = api(t.baseUrl);
    const served = await anonymous.get(path);
    expect(served.status).toBe(200);
    expect(served.body).toContain('BEGIN:VEVENT');
    const forged = `${path.slice(0, -4)}${path.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect((await anonymous.get(forged)).status).toBe(404);
    expect((await anonymous.get('/calendars/not-a-token')).status).toBe(404);
    expect((await reader.request('DELETE', `/v1/calendar-subscriptions/${created.body.id as string}`)).status).toBe(204);
    expect((await anonymous.get(path)).status).toBe(404);
  });
});

describe('a subscription URL follows its client', () => {
  it('is listed for its client only, cannot be deleted by another, and is a 404 once the client loses timetable.read', async () => {
    const db = t.gateway.store.db;
    const owner = await createClientWithToken(db, t.baseUrl, { scopes: ['timetable.read'], perimeter: [`uai:${college}`] });
    const ownerApi = api(t.baseUrl, owner.token);
    const created = await ownerApi.post(`/v1/establishments/${college}/calendar-subscriptions`, { room: ids.rooms.GYM });
    expect(created.status).toBe(201);
    expect((await ownerApi.get('/v1/calendar-subscriptions')).body.data.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
    expect((await reader.get('/v1/calendar-subscriptions')).body.data.map((s: { id: string }) => s.id)).not.toContain(created.body.id);
    expect((await reader.request('DELETE', `/v1/calendar-subscriptions/${created.body.id as string}`)).status).toBe(404);
    const path = (created.body.url as string).slice(t.baseUrl.length);
    expect((await api(t.baseUrl).get(path)).status).toBe(200);
    await updateClient(db, owner.clientId, { scopes: ['roster.read'] });
    expect((await api(t.baseUrl).get(path)).status).toBe(404);
  });
});

describe('a pupil who left a group', () => {
  it('no longer sees that group\'s sessions after her membership ended', async () => {
    const db = t.gateway.store.db;
    const tom = pupil({ givenName: 'Tom', sourceIds: { 'sts-web': 'E-2' } });
    await applyBatch(db, college, [
      upsert('person', tom),
      upsert('membership', { personId: tom.id, groupId: ids.groups['4B'], role: 'pupil', startDate: '2026-09-01', endDate: '2026-10-31', sourceIds: { test: 'm3' } }),
    ] as never);
    const listed = (await reader.get(`/v1/establishments/${college}/occurrences?from=2026-11-02&to=2026-11-08&person=${tom.id as string}`)).body.data as { id: string }[];
    expect(listed).toEqual([]);
  });
});

describe('a cancellation written through the batch API', () => {
  it('shows in the listing and in the change feed of occurrences', async () => {
    const db = t.gateway.store.db;
    const changes = async (since?: string) => (await reader.get(`/v1/changes?entity=occurrence&limit=1000${since ? `&since=${since}` : ''}`)).body;
    let feed = await changes();
    while (feed.hasMore) feed = await changes(feed.cursor);
    const listingEtag = (await reader.get(`/v1/establishments/${college}/occurrences?${RANGE}`)).headers.get('etag')!;
    const writer = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write'], perimeter: [`uai:${college}`] })).token);
    const written = await writer.post(`/v1/establishments/${college}/batch`, {
      records: [{ entity: 'timetableChange', op: 'upsert', record: { sourceIds: { test: 'absence-1' }, courseId: course.maths, date: '2026-11-02', kind: 'cancelled', reason: 'teacher-absence' } }],
    });
    expect(written.status, JSON.stringify(written.body)).toBe(200);

    const cancelledId = occurrenceId(course.maths, '2026-11-02');
    const listed = (await reader.get(`/v1/establishments/${college}/occurrences?${RANGE}`)).body.data as { id: string; status: string; reason?: string }[];
    expect(listed.find((o) => o.id === cancelledId)).toMatchObject({ status: 'cancelled', reason: 'teacher-absence' });
    expect(listed.filter((o) => o.status !== 'scheduled').map((o) => o.id)).toEqual([cancelledId]);
    expect((await reader.get(`/v1/establishments/${college}/occurrences?${RANGE}`, { headers: { 'if-none-match': listingEtag } })).status).toBe(200);

    const after = await changes(feed.cursor);
    expect(after.data.map((c: { entity: string; record: { id: string } }) => [c.entity, c.record.id])).toEqual([['occurrence', cancelledId]]);
    expect(after.data[0].record).toMatchObject({ status: 'cancelled', start: '2026-11-02T08:00:00+01:00' });

    // The group's calendar keeps the session, cancelled.
    const ics = await reader.get(`/v1/establishments/${college}/timetable.ics?group=${ids.groups['4A']}&${RANGE}`);
    const events = new ICAL.Component(ICAL.parse(ics.body as string)).getAllSubcomponents('vevent');
    const status = (date: string) => events.find((v) => new ICAL.Event(v).startDate.toString().startsWith(date))?.getFirstPropertyValue('status');
    expect(status('2026-11-02')).toBe('CANCELLED');
    expect(status('2026-10-12')).not.toBe('CANCELLED');
  });
});
