import { describe, expect, it } from 'vitest';
import { materialise, materialiseCourse } from '../../gateway/timetable/materialise.js';
import type { OccurrenceChange, SchoolCalendar } from '../../gateway/timetable/model.js';
import { extraOccurrenceId, occurrenceId } from '../../gateway/timetable/occurrence-id.js';
import { course, PARIS_2026_2027 } from './school-year.js';

// Tuesdays of January 2027, 10:00 (UTC+1): 5, 12, 19 and 26 January.
const JANUARY = { validFrom: '2027-01-04', validTo: '2027-01-31' };
const TUESDAY = course({ id: 'c-tue', subjectId: 's-math', weekday: 2, startTime: '10:00', ...JANUARY });
const THURSDAY = course({ id: 'c-thu', subjectId: 's-hist', teacherIds: ['t-martin'], weekday: 4, startTime: '14:00', ...JANUARY });
const SNOW_DAY: SchoolCalendar = { ...PARIS_2026_2027, closures: [{ name: 'Neige', startDate: '2027-01-12', endDate: '2027-01-12' }] };

const change = (fields: Partial<OccurrenceChange> & Pick<OccurrenceChange, 'id' | 'date' | 'status'>): OccurrenceChange =>
  ({ courseId: 'c-tue', ...fields });

const onDate = (changes: OccurrenceChange[], calendar = PARIS_2026_2027) => {
  const result = materialise([TUESDAY, THURSDAY], changes, calendar);
  return { ...result, byKey: new Map(result.occurrences.map((o) => [`${o.courseId} ${o.date}`, o])) };
};

describe('changes to sessions', () => {
  it('keeps a cancelled session, with its status and reason', () => {
    const { byKey } = onDate([change({ id: 'ch-1', date: '2027-01-12', status: 'cancelled', reason: 'teacher-absence' })]);
    expect(byKey.get('c-tue 2027-01-12')).toMatchObject({ status: 'cancelled', reason: 'teacher-absence', id: occurrenceId('c-tue', '2027-01-12') });
    expect(byKey.get('c-tue 2027-01-19')).toMatchObject({ status: 'scheduled', reason: null });
  });

  it('moves a session to its new date and time, keeping its id', () => {
    const { occurrences, byKey } = onDate([change({ id: 'ch-2', date: '2027-01-12', status: 'moved', newDate: '2027-01-15', startTime: '16:00' })]);
    expect(byKey.has('c-tue 2027-01-12')).toBe(false);
    expect(byKey.get('c-tue 2027-01-15')).toMatchObject({
      id: occurrenceId('c-tue', '2027-01-12'), status: 'moved',
      startsAt: new Date('2027-01-15T15:00:00Z'), endsAt: new Date('2027-01-15T15:55:00Z'),
    });
    expect(occurrences).toHaveLength(8);
  });

  it('moves a session to another time on the same day when only startTime is given', () => {
    const { byKey } = onDate([change({ id: 'ch-3', date: '2027-01-19', status: 'moved', startTime: '08:00' })]);
    expect(byKey.get('c-tue 2027-01-19')?.startsAt).toEqual(new Date('2027-01-19T07:00:00Z'));
  });

  it('changes the rooms of a room change and the teachers of a substitution, and nothing else', () => {
    const { byKey } = onDate([
      change({ id: 'ch-4', date: '2027-01-19', status: 'room-changed', roomIds: ['r-cdi'] }),
      change({ id: 'ch-5', date: '2027-01-21', courseId: 'c-thu', status: 'substituted', reason: 'teacher-absence', teacherIds: ['t-remplacant'] }),
    ]);
    expect(byKey.get('c-tue 2027-01-19')).toMatchObject({ status: 'room-changed', roomIds: ['r-cdi'], teacherIds: ['t-dupont'], groupIds: ['g-4b'] });
    expect(byKey.get('c-thu 2027-01-21')).toMatchObject({ status: 'substituted', reason: 'teacher-absence', teacherIds: ['t-remplacant'], roomIds: ['r-s14'] });
    expect(byKey.get('c-tue 2027-01-26')).toMatchObject({ status: 'scheduled', roomIds: ['r-s14'] });
  });

  it('takes the subject, groups and duration a change gives', () => {
    const { byKey } = onDate([change({
      id: 'ch-6', date: '2027-01-26', status: 'substituted', teacherIds: ['t-remplacant'],
      subjectId: 's-etude', groupIds: ['g-4b-g1'], durationMinutes: 110,
    })]);
    expect(byKey.get('c-tue 2027-01-26')).toMatchObject({
      subjectId: 's-etude', groupIds: ['g-4b-g1'], endsAt: new Date('2027-01-26T10:50:00Z'),
    });
  });

  it('applies several changes to one session in order; a cancellation is not undone by a later change', () => {
    const { byKey } = onDate([
      change({ id: 'ch-7', date: '2027-01-19', status: 'room-changed', roomIds: ['r-cdi'] }),
      change({ id: 'ch-8', date: '2027-01-19', status: 'substituted', teacherIds: ['t-remplacant'] }),
      change({ id: 'ch-9', date: '2027-01-26', status: 'cancelled', reason: 'strike' }),
      change({ id: 'ch-10', date: '2027-01-26', status: 'room-changed', roomIds: ['r-cdi'] }),
    ]);
    expect(byKey.get('c-tue 2027-01-19')).toMatchObject({ status: 'substituted', roomIds: ['r-cdi'], teacherIds: ['t-remplacant'] });
    expect(byKey.get('c-tue 2027-01-26')).toMatchObject({ status: 'cancelled', reason: 'strike' });
  });

  it('makes an extra session with its own id, from its date, time and duration', () => {
    const extra: OccurrenceChange = {
      id: 'ch-extra', date: '2027-01-13', status: 'extra', reason: 'exam', startTime: '13:30', durationMinutes: 120,
      subjectId: 's-math', teacherIds: ['t-dupont'], groupIds: ['g-4b'], roomIds: ['r-gym'],
    };
    expect(onDate([extra]).byKey.get('null 2027-01-13')).toEqual({
      id: extraOccurrenceId('ch-extra'), courseId: null, date: '2027-01-13',
      startsAt: new Date('2027-01-13T12:30:00Z'), endsAt: new Date('2027-01-13T14:30:00Z'),
      status: 'extra', reason: 'exam', subjectId: 's-math', teacherIds: ['t-dupont'], groupIds: ['g-4b'], roomIds: ['r-gym'],
    });
  });

  it("fills an extra session of a course with what the change does not give from the course", () => {
    const { byKey } = onDate([change({ id: 'ch-rattrapage', date: '2027-01-16', status: 'extra', startTime: '09:00' })]);
    expect(byKey.get('c-tue 2027-01-16')).toMatchObject({
      id: extraOccurrenceId('ch-rattrapage'), status: 'extra', subjectId: 's-math', teacherIds: ['t-dupont'],
      startsAt: new Date('2027-01-16T08:00:00Z'), endsAt: new Date('2027-01-16T08:55:00Z'),
    });
  });

  it('ignores and reports a change on a day the course has no session, of an unknown course, or an extra with no time', () => {
    const wrongDay = change({ id: 'ch-11', date: '2027-01-13', status: 'cancelled' });
    const inHolidays = change({ id: 'ch-12', date: '2026-12-22', status: 'room-changed', roomIds: ['r-cdi'] });
    const unknown = change({ id: 'ch-13', courseId: 'c-gone', date: '2027-01-12', status: 'cancelled' });
    const noCourse = change({ id: 'ch-14', courseId: undefined, date: '2027-01-12', status: 'cancelled' });
    const noTime: OccurrenceChange = { id: 'ch-15', date: '2027-01-13', status: 'extra', durationMinutes: 60 };
    const { occurrences, ignoredChanges } = onDate([wrongDay, inHolidays, unknown, noCourse, noTime]);
    expect(occurrences.every(({ status }) => status === 'scheduled')).toBe(true);
    expect(occurrences).toHaveLength(8);
    expect(ignoredChanges).toEqual([
      { change: unknown, why: 'unknown-course' },
      { change: noCourse, why: 'unknown-course' },
      { change: noTime, why: 'incomplete' },
      { change: wrongDay, why: 'no-session' },
      { change: inHolidays, why: 'no-session' },
    ]);
  });

  it('re-materialises one course with its own changes and reports the changes of others', () => {
    const ofThursday = change({ id: 'ch-16', courseId: 'c-thu', date: '2027-01-14', status: 'cancelled' });
    const ofTuesday = change({ id: 'ch-17', date: '2027-01-05', status: 'cancelled', reason: 'trip' });
    const result = materialiseCourse(TUESDAY, [ofTuesday, ofThursday], PARIS_2026_2027);
    expect(result.occurrences.map(({ date, status }) => `${date} ${status}`))
      .toEqual(['2027-01-05 cancelled', '2027-01-12 scheduled', '2027-01-19 scheduled', '2027-01-26 scheduled']);
    expect(result.ignoredChanges).toEqual([{ change: ofThursday, why: 'unknown-course' }]);
    expect(result.occurrences).toEqual(materialise([TUESDAY, THURSDAY], [ofTuesday], PARIS_2026_2027).occurrences.filter(({ courseId }) => courseId === 'c-tue'));
  });
});

describe('closures', () => {
  it("cancel the day's sessions with reason closure, and only that day's", () => {
    const { occurrences } = onDate([], SNOW_DAY);
    expect(occurrences.filter(({ status }) => status !== 'scheduled').map(({ courseId, date, status, reason }) => ({ courseId, date, status, reason })))
      .toEqual([{ courseId: 'c-tue', date: '2027-01-12', status: 'cancelled', reason: 'closure' }]);
    expect(occurrences).toHaveLength(8);
  });

  it('win over a room change or a substitution, but an explicit cancellation keeps its reason', () => {
    const substituted = onDate([change({ id: 'ch-18', date: '2027-01-12', status: 'substituted', teacherIds: ['t-remplacant'] })], SNOW_DAY);
    expect(substituted.byKey.get('c-tue 2027-01-12')).toMatchObject({ status: 'cancelled', reason: 'closure' });
    const cancelled = onDate([change({ id: 'ch-19', date: '2027-01-12', status: 'cancelled', reason: 'strike' })], SNOW_DAY);
    expect(cancelled.byKey.get('c-tue 2027-01-12')).toMatchObject({ status: 'cancelled', reason: 'strike' });
  });

  it('apply to the date a session takes place on: moved out of a closed day it runs, moved into one it is cancelled', () => {
    const out = onDate([change({ id: 'ch-20', date: '2027-01-12', status: 'moved', newDate: '2027-01-13' })], SNOW_DAY);
    expect(out.byKey.get('c-tue 2027-01-13')).toMatchObject({ status: 'moved', reason: null, id: occurrenceId('c-tue', '2027-01-12') });
    const into = onDate([change({ id: 'ch-21', date: '2027-01-19', status: 'moved', newDate: '2027-01-12', startTime: '15:00' })], SNOW_DAY);
    expect(into.byKey.get('c-tue 2027-01-12')).toMatchObject({ status: 'cancelled', reason: 'closure', startsAt: new Date('2027-01-12T14:00:00Z') });
  });

  it('cancel an extra session on a closed day', () => {
    const extra: OccurrenceChange = { id: 'ch-22', date: '2027-01-12', status: 'extra', startTime: '17:00', durationMinutes: 60 };
    expect(onDate([extra], SNOW_DAY).byKey.get('null 2027-01-12')).toMatchObject({ status: 'cancelled', reason: 'closure' });
  });
});
