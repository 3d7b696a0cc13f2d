// The demo's timetables on their own (no store): deterministic, valid, no teacher, room or pupil booked twice
// in week A or week B, a full week for every class, and a few session changes after the rentrée.
import { describe, expect, it } from 'vitest';
import { DEMO_YEAR, generateDemo, type DemoOperation, type DemoOptions, type DemoRecord } from '../../gateway/demo/generate.js';
import { validateRecord } from '../../gateway/model/validate.js';

interface Establishment { type: string; operations: DemoOperation[] }

function materialize(options: DemoOptions = {}): Establishment[] {
  return [...generateDemo(options)].map((e) => ({ type: e.establishment.type, operations: [...e.operations()] }));
}

const of = (e: Establishment, entity: string): DemoRecord[] => e.operations.filter((o) => o.entity === entity).map((o) => o.record);
const ids = (record: DemoRecord, field: string): string[] => (record[field] ?? []) as string[];
const runsIn = (course: DemoRecord, week: 'A' | 'B'): boolean => course.weeks === 'all' || course.weeks === week;
const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Pairs of courses that overlap in time, among those given (same weekday, intervals intersect). */
function clashes(courses: DemoRecord[]): [DemoRecord, DemoRecord][] {
  const found: [DemoRecord, DemoRecord][] = [];
  for (let i = 0; i < courses.length; i++) {
    for (let j = i + 1; j < courses.length; j++) {
      const [a, b] = [courses[i], courses[j]];
      const [startA, startB] = [minutes(a.startTime as string), minutes(b.startTime as string)];
      if (a.weekday === b.weekday && startA < startB + (b.durationMinutes as number) && startB < startA + (a.durationMinutes as number)) found.push([a, b]);
    }
  }
  return found;
}

/** Courses by each value of a reference field (teacher, room, group). */
function byReference(courses: DemoRecord[], field: string): Map<string, DemoRecord[]> {
  const map = new Map<string, DemoRecord[]>();
  for (const course of courses) for (const id of ids(course, field)) map.set(id, [...(map.get(id) ?? []), course]);
  return map;
}

/** Each pupil's groups (class and teaching groups), from the memberships. */
function groupsOfPupils(e: Establishment): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const m of of(e, 'membership').filter((m) => m.role === 'pupil')) {
    map.set(m.personId as string, (map.get(m.personId as string) ?? new Set()).add(m.groupId as string));
  }
  return map;
}

describe('demo timetables', () => {
  const demo = materialize();
  const bigger = materialize({ establishments: 3, people: 3000, seed: 7 });

  it('makes the same courses and changes from the same seed, and ids that do not depend on it', () => {
    const again = materialize();
    const timetable = (d: Establishment[]) => d.map((e) => e.operations.filter((o) => o.entity === 'course' || o.entity === 'timetableChange'));
    expect(timetable(again)).toEqual(timetable(demo));
    const other = materialize({ seed: 2 });
    const courseIds = (d: Establishment[]) => new Set(d.flatMap((e) => of(e, 'course').map((c) => c.id)));
    const shared = [...courseIds(other)].filter((id) => courseIds(demo).has(id));
    expect(shared.length).toBeGreaterThan(courseIds(demo).size / 2);
  });

  it('gives courses that validate, name records of their establishment, and run over the demo school year', () => {
    for (const e of demo) {
      const known = new Set(e.operations.map((o) => o.record.id));
      const courses = of(e, 'course');
      expect(courses.length).toBeGreaterThan(0);
      for (const course of courses) {
        expect(validateRecord('course', course)).toEqual([]);
        expect(course).toMatchObject({ validFrom: DEMO_YEAR.startDate, validTo: DEMO_YEAR.endDate });
        for (const id of [course.subjectId, ...ids(course, 'teacherIds'), ...ids(course, 'groupIds'), ...ids(course, 'roomIds')]) {
          expect(known.has(id)).toBe(true);
        }
      }
      // Courses come after everything they name.
      const firstCourse = e.operations.findIndex((o) => o.entity === 'course');
      expect(e.operations.slice(firstCourse).every((o) => o.entity === 'course' || o.entity === 'timetableChange')).toBe(true);
    }
  });

  for (const label of ['the default demo', 'a bigger one'] as const) {
    it(`books no teacher, room or pupil twice at once in week A or week B (${label})`, () => {
      const establishments = label === 'the default demo' ? demo : bigger;
      for (const e of establishments) {
        const pupils = groupsOfPupils(e);
        for (const week of ['A', 'B'] as const) {
          const courses = of(e, 'course').filter((c) => runsIn(c, week));
          for (const field of ['teacherIds', 'roomIds', 'groupIds']) {
            for (const [id, booked] of byReference(courses, field)) expect(clashes(booked), `${field} ${id} week ${week}`).toEqual([]);
          }
          const coursesOfGroup = byReference(courses, 'groupIds');
          for (const [pupil, groups] of pupils) {
            const own = [...groups].flatMap((g) => coursesOfGroup.get(g) ?? []);
            expect(clashes(own), `pupil ${pupil} week ${week}`).toEqual([]);
          }
        }
      }
    });
  }

  it('gives every class 20 to 30 hours a week, its own lessons and its pupils’ groups together, in week A and week B', () => {
    for (const e of [...demo, ...bigger]) {
      const pupils = groupsOfPupils(e);
      const divisions = of(e, 'group').filter((g) => g.kind === 'division');
      for (const division of divisions) {
        const groups = new Set([...pupils.values()].filter((g) => g.has(division.id as string)).flatMap((g) => [...g]));
        for (const week of ['A', 'B'] as const) {
          const courses = of(e, 'course').filter((c) => runsIn(c, week) && ids(c, 'groupIds').some((g) => groups.has(g)));
          // A time taken by several of its groups at once (an option bar, the half-groups) counts once.
          const times = new Map(courses.map((c) => [`${c.weekday}/${c.startTime}`, c.durationMinutes as number]));
          const hours = [...times.values()].reduce((a, b) => a + b, 0) / 60;
          expect(hours, `${e.type} ${division.code} week ${week}`).toBeGreaterThanOrEqual(20);
          expect(hours, `${e.type} ${division.code} week ${week}`).toBeLessThanOrEqual(30);
        }
      }
    }
  });

  it('keeps to the school day: écoles four days 08:30–16:30, collèges and lycées 08:00–17:00 in 55-minute lessons (or doubles), Wednesday afternoon free', () => {
    for (const e of demo) {
      for (const course of of(e, 'course')) {
        const start = minutes(course.startTime as string);
        const end = start + (course.durationMinutes as number);
        const lunch = end <= 12 * 60 || start >= 13 * 60 + 30;
        if (e.type === 'ecole') {
          expect([1, 2, 4, 5]).toContain(course.weekday);
          expect(start >= 8 * 60 + 30 && end <= 16 * 60 + 30 && lunch).toBe(true);
        } else {
          expect([55, 115]).toContain(course.durationMinutes); // one lesson, or two back to back
          expect(start >= 8 * 60 && end <= 17 * 60 && lunch).toBe(true);
          if (course.weekday === 3) expect(end).toBeLessThanOrEqual(12 * 60);
        }
      }
      if (e.type !== 'ecole') {
        const alternating = of(e, 'course').filter((c) => c.weeks === 'A' || c.weeks === 'B');
        expect(alternating.length).toBeGreaterThanOrEqual(of(e, 'group').filter((g) => g.kind === 'division').length * 2);
      }
    }
  });

  it('cancels an absent teacher’s sessions and moves one session to another room, in the weeks after the rentrée', () => {
    const kinds = new Set<string>();
    for (const e of demo) {
      const courses = new Map(of(e, 'course').map((c) => [c.id, c]));
      for (const change of of(e, 'timetableChange')) {
        expect(validateRecord('timetableChange', change)).toEqual([]);
        kinds.add(change.kind as string);
        const course = courses.get(change.courseId)!;
        expect(course.weeks).toBe('all');
        const date = new Date(`${change.date as string}T12:00:00Z`);
        expect(date.getUTCDay()).toBe(course.weekday);
        expect((change.date as string) > '2026-09-07' && (change.date as string) < '2026-10-17').toBe(true);
        if (change.kind === 'cancelled') expect(change.reason).toBe('teacher-absence');
        if (change.kind === 'room-changed') expect(change.roomIds).not.toEqual(course.roomIds);
      }
      expect(of(e, 'timetableChange').length).toBeLessThanOrEqual(12);
    }
    expect(kinds).toEqual(new Set(['cancelled', 'room-changed']));
  });
});
