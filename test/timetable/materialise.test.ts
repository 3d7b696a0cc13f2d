import { describe, expect, it } from 'vitest';
import { materialise, materialiseCourse } from '../../gateway/timetable/materialise.js';
import type { Course, Occurrence } from '../../gateway/timetable/model.js';
import { occurrenceId } from '../../gateway/timetable/occurrence-id.js';
import { course, PARIS_2026_2027, WITHOUT_HOLIDAYS } from './school-year.js';

const datesOf = (occurrences: Occurrence[]) => occurrences.map(({ date }) => date);
const startsOf = (occurrences: Occurrence[]) => occurrences.map(({ startsAt }) => startsAt.toISOString());

describe('a hand-computed week (4B, week of Monday 16 November 2026: a B week, winter time UTC+1)', () => {
  const week = { validFrom: '2026-11-16', validTo: '2026-11-22' };
  const courses: Course[] = [
    course({ id: 'c-math-4b', subjectId: 's-math', weekday: 1, startTime: '08:00', ...week }),
    course({ id: 'c-svt-4b', subjectId: 's-svt', teacherIds: ['t-martin'], roomIds: ['r-lab1'], weekday: 2, startTime: '10:00', weeks: 'A', ...week }),
    course({ id: 'c-phys-4b', subjectId: 's-phys', teacherIds: ['t-leroy'], roomIds: ['r-lab1'], weekday: 2, startTime: '10:00', weeks: 'B', ...week }),
    course({ id: 'c-eng-4b-g1', subjectId: 's-eng', teacherIds: ['t-smith'], groupIds: ['g-4b-g1'], roomIds: ['r-s02'], weekday: 3, startTime: '09:00', ...week }),
    course({ id: 'c-eng-4b-g2', subjectId: 's-eng', teacherIds: ['t-brown'], groupIds: ['g-4b-g2'], roomIds: ['r-s03'], weekday: 3, startTime: '09:00', ...week }),
    course({ id: 'c-epi-4b', teacherIds: ['t-dupont', 't-martin'], weekday: 4, startTime: '14:00', durationMinutes: 110, ...week }),
    course({ id: 'c-eps-4b', subjectId: 's-eps', teacherIds: ['t-petit'], roomIds: ['r-gym'], weekday: 5, startTime: '15:30', durationMinutes: 120, weeks: [47] }),
  ];
  const session = (courseId: string, date: string, startsAt: string, endsAt: string, fields: Pick<Occurrence, 'subjectId' | 'teacherIds' | 'groupIds' | 'roomIds'>): Occurrence => ({
    id: occurrenceId(courseId, date), courseId, date, startsAt: new Date(startsAt), endsAt: new Date(endsAt),
    status: 'scheduled', reason: null, ...fields,
  });
  const english = [
    session('c-eng-4b-g1', '2026-11-18', '2026-11-18T08:00:00Z', '2026-11-18T08:55:00Z', { subjectId: 's-eng', teacherIds: ['t-smith'], groupIds: ['g-4b-g1'], roomIds: ['r-s02'] }),
    session('c-eng-4b-g2', '2026-11-18', '2026-11-18T08:00:00Z', '2026-11-18T08:55:00Z', { subjectId: 's-eng', teacherIds: ['t-brown'], groupIds: ['g-4b-g2'], roomIds: ['r-s03'] }),
  ].sort((a, b) => (a.id < b.id ? -1 : 1));
  const expected: Occurrence[] = [
    session('c-math-4b', '2026-11-16', '2026-11-16T07:00:00Z', '2026-11-16T07:55:00Z', { subjectId: 's-math', teacherIds: ['t-dupont'], groupIds: ['g-4b'], roomIds: ['r-s14'] }),
    session('c-phys-4b', '2026-11-17', '2026-11-17T09:00:00Z', '2026-11-17T09:55:00Z', { subjectId: 's-phys', teacherIds: ['t-leroy'], groupIds: ['g-4b'], roomIds: ['r-lab1'] }),
    ...english,
    session('c-epi-4b', '2026-11-19', '2026-11-19T13:00:00Z', '2026-11-19T14:50:00Z', { subjectId: null, teacherIds: ['t-dupont', 't-martin'], groupIds: ['g-4b'], roomIds: ['r-s14'] }),
    session('c-eps-4b', '2026-11-20', '2026-11-20T14:30:00Z', '2026-11-20T16:30:00Z', { subjectId: 's-eps', teacherIds: ['t-petit'], groupIds: ['g-4b'], roomIds: ['r-gym'] }),
  ];

  it('gives exactly the sessions written out by hand, in order', () => {
    expect(materialise(courses, [], PARIS_2026_2027)).toEqual({ occurrences: expected, ignoredChanges: [], unknownAlternations: [] });
  });

  it('gives each course the same occurrences alone (materialiseCourse) as among the others', () => {
    for (const one of courses) {
      expect(materialiseCourse(one, [], PARIS_2026_2027).occurrences).toEqual(expected.filter(({ courseId }) => courseId === one.id));
    }
  });

  it('gives the same ids on every run', () => {
    const again = materialise([...courses].reverse(), [], { ...PARIS_2026_2027 });
    expect(again.occurrences.map(({ id }) => id)).toEqual(expected.map(({ id }) => id));
  });
});

describe('which dates a course has sessions on', () => {
  it('removes the zone holidays and the public holidays', () => {
    const mondays = materialise([course({ id: 'c-mon', weekday: 1, startTime: '08:00', validTo: '2026-11-16' })], [], PARIS_2026_2027);
    expect(datesOf(mondays.occurrences)).toEqual([
      '2026-09-07', '2026-09-14', '2026-09-21', '2026-09-28', '2026-10-05', '2026-10-12', '2026-11-02', '2026-11-09', '2026-11-16',
    ]);
    const thursdays = materialise([course({ id: 'c-thu', weekday: 4, startTime: '08:00', validFrom: '2027-04-29', validTo: '2027-05-20' })], [], PARIS_2026_2027);
    expect(datesOf(thursdays.occurrences)).toEqual(['2027-04-29', '2027-05-13', '2027-05-20']);
    const fridays = materialise([course({ id: 'c-fri', weekday: 5, startTime: '08:00', validFrom: '2027-04-30', validTo: '2027-05-14' })], [], PARIS_2026_2027);
    expect(datesOf(fridays.occurrences)).toEqual(['2027-04-30', '2027-05-14']);
  });

  it('starts at the rentrée and ends on the last day of classes', () => {
    const { occurrences } = materialise([course({ id: 'c-tue', weekday: 2, startTime: '08:00' }), course({ id: 'c-fri', weekday: 5, startTime: '08:00' })], [], PARIS_2026_2027);
    expect(occurrences[0].date).toBe('2026-09-01');
    expect(occurrences.at(-1)?.date).toBe('2027-07-02');
  });

  it('keeps within the course validity, bounds included', () => {
    const { occurrences } = materialise([course({ id: 'c-tue', weekday: 2, startTime: '08:00', validFrom: '2026-09-15', validTo: '2026-10-06' })], [], PARIS_2026_2027);
    expect(datesOf(occurrences)).toEqual(['2026-09-15', '2026-09-22', '2026-09-29', '2026-10-06']);
    const before = materialise([course({ id: 'c-old', weekday: 2, startTime: '08:00', validTo: '2026-08-31' })], [], PARIS_2026_2027);
    expect(before.occurrences).toEqual([]);
  });

  it('runs an A course on the A weeks and a B course on the B weeks of the default alternation', () => {
    const { occurrences } = materialise([
      course({ id: 'c-a', weekday: 1, startTime: '08:00', weeks: 'A', validTo: '2026-11-30' }),
      course({ id: 'c-q2', weekday: 5, startTime: '08:00', weeks: 'Q2', validTo: '2026-11-30' }),
    ], [], PARIS_2026_2027);
    expect(datesOf(occurrences.filter(({ courseId }) => courseId === 'c-a')))
      .toEqual(['2026-09-14', '2026-09-28', '2026-10-12', '2026-11-09', '2026-11-23']);
    expect(datesOf(occurrences.filter(({ courseId }) => courseId === 'c-q2')))
      .toEqual(['2026-09-11', '2026-09-25', '2026-10-09', '2026-11-06', '2026-11-20']);
  });

  it("follows the calendar's own alternation for the labels it defines, the default for the others", () => {
    const calendar = { ...PARIS_2026_2027, alternations: { A: ['2026-09-07', '2026-09-21'], S1: ['2026-09-14'] } };
    const { occurrences } = materialise([
      course({ id: 'c-a', weekday: 3, startTime: '08:00', weeks: 'A' }),
      course({ id: 'c-s1', weekday: 3, startTime: '10:00', weeks: 'S1' }),
      course({ id: 'c-q1', weekday: 3, startTime: '12:00', weeks: 'Q1', validTo: '2026-09-30' }),
    ], [], calendar);
    expect(occurrences.map(({ courseId, date }) => `${date} ${courseId}`)).toEqual([
      '2026-09-02 c-q1', '2026-09-09 c-a', '2026-09-16 c-s1', '2026-09-16 c-q1', '2026-09-23 c-a', '2026-09-30 c-q1',
    ]);
  });

  it('reports a course whose alternation label nobody defines, and gives it no occurrence', () => {
    expect(materialise([course({ id: 'c-x', weekday: 1, startTime: '08:00', weeks: 'constructor' })], [], PARIS_2026_2027))
      .toEqual({ occurrences: [], ignoredChanges: [], unknownAlternations: [{ courseId: 'c-x', label: 'constructor' }] });
  });

  it('reads ISO week numbers across the new year: week 2 is in January of the second calendar year', () => {
    const { occurrences } = materialise([course({ id: 'c-iso', weekday: 4, startTime: '08:00', weeks: [36, 53, 1, 2] })], [], WITHOUT_HOLIDAYS);
    expect(datesOf(occurrences)).toEqual(['2026-09-03', '2026-12-31', '2027-01-07', '2027-01-14']);
  });
});

describe('time zones', () => {
  const mondays = (timeZone: string) => materialise(
    [course({ id: 'c-mon', weekday: 1, startTime: '08:00', validFrom: '2026-10-12', validTo: '2026-11-02' })], [],
    { ...WITHOUT_HOLIDAYS, timeZone },
  ).occurrences;

  it('keeps 08:00 local across the end of summer time (25 October 2026) in Paris', () => {
    expect(startsOf(mondays('Europe/Paris'))).toEqual([
      '2026-10-12T06:00:00.000Z', '2026-10-19T06:00:00.000Z', '2026-10-26T07:00:00.000Z', '2026-11-02T07:00:00.000Z',
    ]);
  });

  it('places a session on the day the clocks change by that day\'s own rules', () => {
    const sundays = materialise([
      course({ id: 'c-sun-autumn', weekday: 7, startTime: '10:00', validFrom: '2026-10-25', validTo: '2026-10-25' }),
      course({ id: 'c-sun-spring', weekday: 7, startTime: '02:30', durationMinutes: 60, validFrom: '2027-03-28', validTo: '2027-03-28' }),
    ], [], WITHOUT_HOLIDAYS).occurrences;
    expect(startsOf(sundays)).toEqual(['2026-10-25T09:00:00.000Z', '2027-03-28T01:30:00.000Z']);
    expect(sundays[1].endsAt.toISOString()).toBe('2027-03-28T02:30:00.000Z');
  });

  it('lasts its duration in real time over a clock change', () => {
    const night = materialise([course({ id: 'c-night', weekday: 7, startTime: '01:00', durationMinutes: 180, validFrom: '2026-10-25', validTo: '2026-10-25' })], [], WITHOUT_HOLIDAYS).occurrences;
    expect(startsOf(night)).toEqual(['2026-10-24T23:00:00.000Z']);
    expect(night[0].endsAt.toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it('has no DST in La Réunion nor in Nouméa, and a local date ahead of UTC in Nouméa', () => {
    expect(startsOf(mondays('Indian/Reunion'))).toEqual([
      '2026-10-12T04:00:00.000Z', '2026-10-19T04:00:00.000Z', '2026-10-26T04:00:00.000Z', '2026-11-02T04:00:00.000Z',
    ]);
    const noumea = mondays('Pacific/Noumea');
    expect(startsOf(noumea)).toEqual([
      '2026-10-11T21:00:00.000Z', '2026-10-18T21:00:00.000Z', '2026-10-25T21:00:00.000Z', '2026-11-01T21:00:00.000Z',
    ]);
    expect(datesOf(noumea)).toEqual(['2026-10-12', '2026-10-19', '2026-10-26', '2026-11-02']);
    expect(startsOf(mondays('America/Cayenne'))[2]).toBe('2026-10-26T11:00:00.000Z');
  });
});
