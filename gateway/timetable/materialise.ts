// Courses (weekly patterns) and their dated changes → the dated occurrences of a school year, in the
// establishment's time zone. Pure: no database, no clock.
//
// Which sessions a course has: every date from max(calendar start, validFrom) to min(calendar end, validTo) on
// its weekday, in a week it runs (`all`; an alternation label: the week's Monday is among the label's weeks, the
// calendar's own or else the default A/B/Q1/Q2 alternation; ISO week numbers: the date's ISO week is listed),
// and not in the zone's holidays nor on a public holiday. A session starts at its local date and startTime in
// calendar.timeZone and lasts durationMinutes of real time (an hour-long session across a DST change still
// lasts an hour).
//
// Changes, matched on (courseId, date of the session they change), apply in the order given, each overriding the
// fields it gives (newDate, startTime, durationMinutes, subjectId, teacherIds, groupIds, roomIds); the
// occurrence takes the last change's status and reason, except that a cancelled session stays cancelled. A
// moved session keeps its id. A change with status `extra` makes an extra session of its own (its own id, on its
// date): with a courseId, what it does not give comes from that course. Changes are not bound by the calendar
// (a session may be moved into the holidays, an extra session may fall in July).
//
// Closures: an occurrence whose final date (after a move) is in a closure is cancelled with reason `closure`,
// whatever change said otherwise (a room change, a substitute, a move into the closure, an extra session),
// except an explicit cancellation, which keeps its own reason; a session moved out of a closed day runs.
//
// Changes that cannot apply are reported in ignoredChanges, never thrown. A course whose alternation label
// neither the calendar nor the default alternation defines has no occurrence and is reported too.
import type { Course, Occurrence, OccurrenceChange, OccurrenceStatus, SchoolCalendar } from './model.js';
import { compileCalendar, type CompiledCalendar } from './calendar/compiled.js';
import { dayNumber, isoWeekOf, weekdayOf } from './calendar/days.js';
import { localToEpochMs, minutesOf } from './local-time.js';
import { extraOccurrenceId, occurrenceId } from './occurrence-id.js';

export interface IgnoredChange {
  change: OccurrenceChange;
  /**
   * `unknown-course`: its courseId names none of the courses given (or it has none and is not `extra`);
   * `no-session`: the course has no session on its date (holidays, another weekday, outside its weeks or
   * validity); `incomplete`: an extra session with no start time or duration, from itself or its course.
   */
  why: 'unknown-course' | 'no-session' | 'incomplete';
}

export interface Materialisation {
  /** By startsAt, then id. Their roomIds, teacherIds and groupIds may be the course's own arrays: read only. */
  occurrences: Occurrence[];
  ignoredChanges: IgnoredChange[];
  /** Courses on an alternation label nobody defines: they have no occurrence. */
  unknownAlternations: { courseId: string; label: string }[];
}

const MS_PER_MINUTE = 60_000;

/**
 * The occurrences of an establishment's courses and changes over its school calendar. Throws a RangeError only
 * for a calendar whose time zone Temporal does not know; bad changes are reported, never thrown.
 */
export function materialise(courses: readonly Course[], changes: readonly OccurrenceChange[], calendar: SchoolCalendar): Materialisation {
  const result: Materialisation = { occurrences: [], ignoredChanges: [], unknownAlternations: [] };
  const compiledCalendar = compileCalendar(calendar);
  const changesByCourse = new Map<string, OccurrenceChange[]>(courses.map((course) => [course.id, []]));
  for (const change of changes) {
    const ofCourse = change.courseId === undefined ? undefined : changesByCourse.get(change.courseId);
    if (ofCourse) ofCourse.push(change);
    else if (change.courseId === undefined && change.status === 'extra') addExtra(change, undefined, compiledCalendar, result);
    else result.ignoredChanges.push({ change, why: 'unknown-course' });
  }
  for (const course of courses) addCourse(course, changesByCourse.get(course.id) ?? [], compiledCalendar, result);
  return { ...result, occurrences: sortedByStartThenId(result.occurrences) };
}

/**
 * The occurrences of one course (its sessions and its extra sessions) and its changes: what a re-materialisation
 * of that course replaces. Changes of another course are reported as `unknown-course`.
 */
export function materialiseCourse(course: Course, changesOfCourse: readonly OccurrenceChange[], calendar: SchoolCalendar): Materialisation {
  const result: Materialisation = { occurrences: [], ignoredChanges: [], unknownAlternations: [] };
  const own = changesOfCourse.filter((change) => change.courseId === course.id);
  for (const change of changesOfCourse) if (change.courseId !== course.id) result.ignoredChanges.push({ change, why: 'unknown-course' });
  addCourse(course, own, compileCalendar(calendar), result);
  return { ...result, occurrences: sortedByStartThenId(result.occurrences) };
}

/**
 * Occurrences by startsAt, then id. Many sessions share a start (every class at 08:00 on a Monday): they are
 * bucketed by instant and only the buckets are sorted by id, which is far cheaper than one comparison sort of
 * the whole year.
 */
function sortedByStartThenId(occurrences: Occurrence[]): Occurrence[] {
  const byStart = new Map<number, Occurrence[]>();
  for (const occurrence of occurrences) {
    const start = occurrence.startsAt.getTime();
    const bucket = byStart.get(start);
    if (bucket) bucket.push(occurrence);
    else byStart.set(start, [occurrence]);
  }
  const sorted: Occurrence[] = [];
  for (const start of [...byStart.keys()].sort((a, b) => a - b)) {
    const bucket = byStart.get(start)!;
    if (bucket.length > 1) bucket.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const occurrence of bucket) sorted.push(occurrence);
  }
  return sorted;
}

/** Whether a course runs in the week of a day, or undefined when its alternation label is unknown. */
function weekFilter(course: Course, calendar: CompiledCalendar): ((day: number) => boolean) | undefined {
  const weeks = course.weeks;
  if (weeks === 'all') return () => true;
  if (typeof weeks === 'string') {
    const mondays = calendar.weeksOf(weeks);
    const weekdayOffset = course.weekday - 1;
    return mondays && ((day) => mondays.has(day - weekdayOffset));
  }
  const isoWeeks = new Set(weeks);
  return (day) => isoWeeks.has(isoWeekOf(day));
}

function addCourse(course: Course, changes: OccurrenceChange[], calendar: CompiledCalendar, result: Materialisation): void {
  const changesByDate = new Map<string, OccurrenceChange[]>();
  for (const change of changes) {
    if (change.status === 'extra') addExtra(change, course, calendar, result);
    else changesByDate.set(change.date, [...(changesByDate.get(change.date) ?? []), change]);
  }
  const runsInWeekOf = weekFilter(course, calendar);
  if (!runsInWeekOf) {
    result.unknownAlternations.push({ courseId: course.id, label: course.weeks as string });
  } else {
    const first = Math.max(calendar.first, course.validFrom ? dayNumber(course.validFrom) : -Infinity);
    const last = Math.min(calendar.last, course.validTo ? dayNumber(course.validTo) : Infinity);
    const startMinutes = minutesOf(course.startTime);
    for (let day = first + ((course.weekday - weekdayOf(first) + 7) % 7); day <= last; day += 7) {
      if (calendar.noSchool.has(day) || !runsInWeekOf(day)) continue;
      const date = calendar.dateOf(day);
      const changesOfDay = changesByDate.get(date);
      if (changesOfDay) changesByDate.delete(date);
      result.occurrences.push(session(course, day, startMinutes, changesOfDay ?? [], calendar));
    }
  }
  // What is left changes a date on which the course has no session.
  for (const left of changesByDate.values()) for (const change of left) result.ignoredChanges.push({ change, why: 'no-session' });
}

/** A course's session on a day, with that day's changes applied (the module's comment gives the rules). */
function session(course: Course, day: number, startMinutes: number, changes: OccurrenceChange[], calendar: CompiledCalendar): Occurrence {
  let status: OccurrenceStatus = 'scheduled';
  let reason: string | null = null;
  let sessionDay = day;
  let sessionStart = startMinutes;
  let { durationMinutes, roomIds, teacherIds, groupIds } = course;
  let subjectId = course.subjectId ?? null;
  for (const change of changes) {
    if (status !== 'cancelled' || change.status === 'cancelled') {
      status = change.status;
      reason = change.reason ?? null;
    }
    if (change.newDate !== undefined) sessionDay = dayNumber(change.newDate);
    if (change.startTime !== undefined) sessionStart = minutesOf(change.startTime);
    durationMinutes = change.durationMinutes ?? durationMinutes;
    subjectId = change.subjectId ?? subjectId;
    roomIds = change.roomIds ?? roomIds;
    teacherIds = change.teacherIds ?? teacherIds;
    groupIds = change.groupIds ?? groupIds;
  }
  return placed({
    id: occurrenceId(course.id, calendar.dateOf(day)), courseId: course.id, status, reason, subjectId, roomIds, teacherIds, groupIds,
  }, sessionDay, sessionStart, durationMinutes, calendar);
}

/**
 * An extra session: its own id, on its newDate if it gives one, else its date; what the change does not give
 * comes from its course, if it has one.
 */
function addExtra(change: OccurrenceChange, course: Course | undefined, calendar: CompiledCalendar, result: Materialisation): void {
  const startTime = change.startTime ?? course?.startTime;
  const durationMinutes = change.durationMinutes ?? course?.durationMinutes;
  if (startTime === undefined || durationMinutes === undefined) {
    result.ignoredChanges.push({ change, why: 'incomplete' });
    return;
  }
  result.occurrences.push(placed({
    id: extraOccurrenceId(change.id),
    courseId: course?.id ?? null,
    status: 'extra',
    reason: change.reason ?? null,
    subjectId: change.subjectId ?? course?.subjectId ?? null,
    roomIds: change.roomIds ?? course?.roomIds ?? [],
    teacherIds: change.teacherIds ?? course?.teacherIds ?? [],
    groupIds: change.groupIds ?? course?.groupIds ?? [],
  }, dayNumber(change.newDate ?? change.date), minutesOf(startTime), durationMinutes, calendar));
}

type Unplaced = Omit<Occurrence, 'date' | 'startsAt' | 'endsAt'>;

/** An occurrence at a local date and time, cancelled for a closure unless a change already cancelled it. */
function placed(session: Unplaced, day: number, startMinutes: number, durationMinutes: number, calendar: CompiledCalendar): Occurrence {
  const startsAt = localToEpochMs(calendar.calendar.timeZone, day, startMinutes);
  const closed = session.status !== 'cancelled' && calendar.isClosed(day);
  return {
    id: session.id,
    courseId: session.courseId,
    date: calendar.dateOf(day),
    startsAt: new Date(startsAt),
    endsAt: new Date(startsAt + durationMinutes * MS_PER_MINUTE),
    status: closed ? 'cancelled' : session.status,
    reason: closed ? 'closure' : session.reason,
    subjectId: session.subjectId,
    roomIds: session.roomIds,
    teacherIds: session.teacherIds,
    groupIds: session.groupIds,
  };
}
