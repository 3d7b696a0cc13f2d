// What a week's own timetable (UDCal_12_NN, for ISO week NN) changes in the theoretical one (UDCal_12), as dated
// changes. ENTCORE's UDTImporter stores the week's courses in place of the theoretical ones for that week
// (generateCourses(week, false)); here the two are compared course by course instead: a week's course is the
// theoretical one it has the same teaching and slot as (teacher included), else one with the same class or
// group, subject and slot under another teacher. A theoretical course the week lacks is cancelled that day;
// one with other teachers is substituted, with other rooms room-changed; a week's course matching none is an
// extra session (a course moved to another slot is thus cancelled in one and extra in the other: UDT says
// nothing that ties them). Days the school is closed (UDCal_24) have no session to change. An older ENTCORE
// applied a week's file from that week up to the next week semaines.xml publishes; the version read here
// (and this connector) applies it to its own week only.
import type { SourcePosition } from '../kit/problem.js';
import type { ResourceRef, TimetableChange, TimetableCourse } from '../kit/timetable.js';
import { addDays, isSchoolDay, type SchoolYear } from './calendar.js';
import type { UdtCourse } from './courses.js';

const sameRefs = (a: ResourceRef[], b: ResourceRef[], key: (ref: ResourceRef) => string | undefined): boolean => {
  const [left, right] = [new Set(a.map(key)), new Set(b.map(key))];
  return left.size === right.size && [...left].every((value) => right.has(value));
};

const dateOf = (monday: string, course: TimetableCourse): string => addDays(monday, course.weekday - 1);

/** The changes week `monday`'s own timetable (`actual`, read from `file`) makes to the theoretical one. */
export function weekChanges(
  theoretical: readonly UdtCourse[], actual: readonly UdtCourse[], monday: string, year: SchoolYear, file: string,
): TimetableChange[] {
  const unmatched = new Map(theoretical.map((course) => [course.course.sourceId, course]));
  const pairs: [UdtCourse, UdtCourse][] = [];
  const extras: UdtCourse[] = [];
  const bySlot = (slotKey: string) => [...unmatched.values()].find((course) => course.slotKey === slotKey);
  // Same teaching first, so that a teacher's change cannot take a colleague's unchanged course for its own. A
  // course whose length changed is another session: the theoretical one is cancelled, the week's is extra.
  const rest = actual.filter((course) => {
    const same = unmatched.get(course.course.sourceId);
    if (!same || same.slotKey !== course.slotKey) return true;
    unmatched.delete(same.course.sourceId);
    pairs.push([same, course]);
    return false;
  });
  for (const course of rest) {
    const same = bySlot(course.slotKey);
    if (same) {
      unmatched.delete(same.course.sourceId);
      pairs.push([same, course]);
    } else {
      extras.push(course);
    }
  }

  const changes: TimetableChange[] = [];
  const position: SourcePosition = { file };
  for (const { course } of unmatched.values()) {
    const date = dateOf(monday, course);
    if (isSchoolDay(year, date)) changes.push({ sourceId: `${course.sourceId}@${date}`, courseSourceId: course.sourceId, date, status: 'cancelled', position });
  }
  for (const [{ course }, { course: week }] of pairs) {
    const date = dateOf(monday, course);
    if (!isSchoolDay(year, date)) continue;
    const teachersChanged = !sameRefs(course.teachers, week.teachers, (ref) => ref.sourceId);
    const roomsChanged = !sameRefs(course.rooms, week.rooms, (ref) => ref.code);
    if (!teachersChanged && !roomsChanged) continue;
    changes.push({
      sourceId: `${course.sourceId}@${date}`,
      courseSourceId: course.sourceId,
      date,
      status: teachersChanged ? 'substituted' : 'room-changed',
      ...(teachersChanged ? { teachers: week.teachers } : {}),
      ...(roomsChanged ? { rooms: week.rooms } : {}),
      position: week.position,
    });
  }
  for (const { course } of extras) {
    const date = dateOf(monday, course);
    if (date < year.startDate || date > year.endDate) continue;
    changes.push({
      sourceId: `extra:${course.sourceId}@${date}`,
      date,
      status: 'extra',
      startTime: course.startTime,
      durationMinutes: course.durationMinutes,
      ...(course.subject ? { subject: course.subject } : {}),
      teachers: course.teachers,
      groups: course.groups,
      rooms: course.rooms,
      position: course.position,
    });
  }
  return changes;
}
