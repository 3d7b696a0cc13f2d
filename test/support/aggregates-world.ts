// The establishments the aggregates tests count: a collège in Lyon (30 pupils in two classes, 4 teachers), one
// in Villeurbanne (12 pupils, 3 teachers), a lycée in Bourg (5 pupils: a small group, 12 teachers) and an école in
// Paris (25 pupils, 2 teachers); 72 pupils in 5 classes (a mean of 14.4), 21 teachers. Facts refreshed.
// Beside it, what the measures over time and sync health read: a month of lessons in two rooms, pupils who
// logged in through the SSO, and finished import jobs.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { refreshFacts } from '../../gateway/store/aggregates/facts.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { createJob, finishJob, type JobResult } from '../../gateway/store/jobs.js';
import { applyBatch } from '../../gateway/store/records.js';
import { accountFor, relinkAccount } from '../../gateway/store/sso/accounts.js';
import type { Database } from '../../gateway/store/tables.js';
import { writeOccurrences } from '../../gateway/store/write/derived.js';
import { materialise } from '../../gateway/timetable/materialise.js';
import { course, PARIS_2026_2027 } from '../timetable/school-year.js';
import { BOURG, division, establishment, LYON, newUai, PARIS, pupil, upsert, VILLEURBANNE } from './fixtures.js';

/** `count` pupils of `level` in one new division, and `teachers` teachers. */
export function school(count: number, level: string, teachers: number) {
  const klass = division(`${level}-${randomUUID().slice(0, 4)}`, { level });
  const pupils = Array.from({ length: count }, () => pupil({ level }));
  return [
    upsert('group', klass),
    ...pupils.flatMap((p) => [upsert('person', p), upsert('membership', { id: randomUUID(), personId: p.id, groupId: klass.id, role: 'pupil' })]),
    ...Array.from({ length: teachers }, () => upsert('person', { id: randomUUID(), kind: 'teacher', familyName: 'Prof', givenName: 'Anne' })),
  ];
}

export async function seedAggregatesWorld(db: Kysely<Database>): Promise<{ lyon: string; villeurbanne: string; bourg: string; paris: string }> {
  const places = { lyon: newUai('069'), villeurbanne: newUai('069'), bourg: newUai('001'), paris: newUai('075') };
  await putEstablishment(db, establishment(places.lyon, LYON));
  await putEstablishment(db, establishment(places.villeurbanne, VILLEURBANNE));
  await putEstablishment(db, establishment(places.bourg, BOURG, { type: 'lycee', name: 'Lycée Lalande' }));
  await putEstablishment(db, establishment(places.paris, PARIS, { type: 'ecole', name: 'École Vaugirard' }));
  await applyBatch(db, places.lyon, [...school(15, '6E', 4), ...school(15, '5E', 0)] as never);
  await applyBatch(db, places.villeurbanne, school(12, '6E', 3) as never);
  await applyBatch(db, places.bourg, school(5, '2DE', 12) as never);
  await applyBatch(db, places.paris, school(25, 'CM2', 2) as never);
  await refreshFacts(db);
  return places;
}

/**
 * January 2027 (4 to 31, four Monday-to-Sunday weeks, no holiday) in two rooms A and B of `uai`: on Tuesdays
 * 10:00–12:00 in A, and 11:00–12:00 in A too (A is busy two hours); on Thursdays 14:00–15:00 in A and B. Twelve
 * lessons: the 12th's 10:00 cancelled for a strike, the 21st's taught by a substitute (a teacher's absence), the
 * 26th's 11:00 cancelled with no reason given. A school day has 10 available hours a room: each week holds
 * 4 of its 40 room-hours, but the second 3 (the 12th's A: only 11:00–12:00); 15 of 160 in all.
 */
export async function seedLessons(db: Kysely<Database>, uai: string): Promise<void> {
  const rooms = { a: randomUUID(), b: randomUUID() };
  await applyBatch(db, uai, [upsert('room', { id: rooms.a, code: 'A', name: 'Salle A' }), upsert('room', { id: rooms.b, code: 'B', name: 'Salle B' })] as never);
  const january = { validFrom: '2027-01-04', validTo: '2027-01-31', teacherIds: [randomUUID()], groupIds: [randomUUID()], subjectId: randomUUID() };
  const long = course({ id: randomUUID(), weekday: 2, startTime: '10:00', durationMinutes: 120, roomIds: [rooms.a], ...january });
  const short = course({ id: randomUUID(), weekday: 2, startTime: '11:00', durationMinutes: 60, roomIds: [rooms.a], ...january });
  const both = course({ id: randomUUID(), weekday: 4, startTime: '14:00', durationMinutes: 60, roomIds: [rooms.a, rooms.b], ...january });
  const { occurrences } = materialise([long, short, both], [
    { id: randomUUID(), courseId: long.id, date: '2027-01-12', status: 'cancelled', reason: 'strike' },
    { id: randomUUID(), courseId: both.id, date: '2027-01-21', status: 'substituted', reason: 'teacher-absence', teacherIds: [randomUUID()] },
    { id: randomUUID(), courseId: short.id, date: '2027-01-26', status: 'cancelled' },
  ], PARIS_2026_2027);
  if (occurrences.length !== 12) throw new Error(`expected 12 lessons, not ${occurrences.length}`);
  await db.transaction().execute((trx) => writeOccurrences(trx, { uai, courseIds: 'all', from: '2027-01-01', to: '2027-01-31' }, occurrences));
}

/** `count` of the establishment's pupils log in through the SSO (an account each), as a login links them. */
export async function logInPupils(db: Kysely<Database>, uai: string, count: number): Promise<void> {
  const pupils = await db.selectFrom('roster_record').select('id').where('uai', '=', uai).where('entity', '=', 'person')
    .where('kind', '=', 'pupil').where('status', '=', 'active').orderBy('id').limit(count).execute();
  for (const { id } of pupils) {
    const account = await accountFor(db, 'educonnect', randomUUID());
    await relinkAccount(db, account.id, [{ id, uai, kind: 'pupil', givenName: 'Léa', familyName: 'Martin' }]);
  }
}

/**
 * An import by `connector` that finished `daysAgo` days ago in `state`: of one establishment, or (`uai` null,
 * as an AAF delivery) of those its `establishments` outcomes name.
 */
export async function finishedImport(
  db: Kysely<Database>,
  job: { connector: string; uai: string | null; state: JobResult['state']; daysAgo: number; establishments?: { uai: string; state: string }[] },
): Promise<void> {
  const { job: row } = await createJob(db, {
    connector: job.connector, mode: 'complete', uai: job.uai, lockKey: job.uai ?? job.connector, submittedBy: 'operator', idempotencyKey: null,
    options: { lenientIdentifiers: false, confirmed: false },
  }, [], () => 1);
  await finishJob(db, row.id, { state: job.state, problems: [], ...(job.establishments ? { establishments: job.establishments } : {}) });
  await sql`update sync_job set finished_at = now() - make_interval(days => ${job.daysAgo}) where id = ${row.id}`.execute(db);
}
