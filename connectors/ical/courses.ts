// Dated sessions → recurring courses and dated changes. Sessions that share subject, weekday, start time,
// duration, rooms, groups and teachers form one course running the ISO weeks they fall in, from the first to
// the last; a cancelled session stays in its course's weeks with a `cancelled` change. A session that says it
// is in another room (`Changement de salle`) or with a substitute (`Remplacement`) changes the course that
// matches it but for its rooms or teachers. A session that fits no pattern (alone of its kind, or `Exceptionnel`)
// is an `extra` change; one alone of its kind but cancelled is a course of its one week, cancelled that day.
import type { Temporal } from 'temporal-polyfill';
import type { ResourceRef, TimetableChange, TimetableCourse } from '../kit/timetable.js';
import type { Lesson } from './describe.js';
import type { Session } from './sessions.js';

type Part = 'subject' | 'rooms' | 'groups' | 'teachers';

const teacherKey = (t: ResourceRef) => (t.familyName ?? t.name ?? '').toUpperCase();

/** What identifies a course, leaving out a part when looking for the course a changed session belongs to. */
function keyOf(session: Session, without?: Part): string {
  const { lesson, start, durationMinutes } = session;
  const parts: Record<Part, string> = {
    subject: lesson.subject ?? '',
    rooms: [...lesson.rooms].sort().join(','),
    groups: lesson.groups.map((g) => g.code).sort().join(','),
    teachers: lesson.teachers.map(teacherKey).sort().join(','),
  };
  if (without) parts[without] = '*';
  return [parts.subject, start.dayOfWeek, hhmm(start), durationMinutes, parts.rooms, parts.groups, parts.teachers].join('|');
}

const hhmm = (at: Temporal.ZonedDateTime) => at.toPlainTime().toString().slice(0, 5);
const dateOf = (at: Temporal.ZonedDateTime) => at.toPlainDate().toString();
const roomsOf = (lesson: Lesson): ResourceRef[] => lesson.rooms.map((code) => ({ sourceId: code, code }));
const subjectOf = (lesson: Lesson): ResourceRef | undefined => (lesson.subject ? { sourceId: lesson.subject, name: lesson.subject } : undefined);

export function coursesOf(sessions: Session[], file: string): { courses: TimetableCourse[]; changes: TimetableChange[] } {
  const patterns = new Map<string, Session[]>();
  const changed: Session[] = [];
  for (const session of sessions) {
    if (session.status && session.status.status !== 'cancelled') {
      changed.push(session);
      continue;
    }
    const key = keyOf(session);
    const group = patterns.get(key);
    if (group) group.push(session);
    else patterns.set(key, [session]);
  }

  const courses = new Map<string, TimetableCourse>();
  const byLooseKey = new Map<string, string[]>();
  const changes: TimetableChange[] = [];
  const lone: Session[] = [];
  const weeks = new Map<string, Set<number>>();
  const change = (courseSourceId: string | undefined, session: Session, fields: Omit<TimetableChange, 'sourceId' | 'date' | 'position'>) => {
    const date = dateOf(session.start);
    changes.push({ sourceId: `${courseSourceId ?? `extra:${keyOf(session)}`}@${date}`, ...(courseSourceId ? { courseSourceId } : {}), date, ...fields, position: { file, line: session.line } });
  };

  for (const [key, group] of patterns) {
    if (group.length === 1 && !group[0].status && !group[0].override) {
      lone.push(group[0]);
      continue;
    }
    group.sort((a, b) => a.start.epochMilliseconds - b.start.epochMilliseconds);
    const [first] = group;
    const subject = subjectOf(first.lesson);
    courses.set(key, {
      sourceId: key,
      ...(subject ? { subject } : {}),
      teachers: first.lesson.teachers,
      groups: first.lesson.groups,
      rooms: roomsOf(first.lesson),
      weekday: first.start.dayOfWeek,
      startTime: hhmm(first.start),
      durationMinutes: first.durationMinutes,
      weeks: { isoWeeks: [] },
      validFrom: dateOf(first.start),
      validTo: dateOf(group[group.length - 1].start),
      position: { file, line: first.line },
    });
    weeks.set(key, new Set(group.map((s) => s.start.weekOfYear ?? 0)));
    for (const part of ['rooms', 'teachers'] as const) {
      const loose = `${part}:${keyOf(first, part)}`;
      byLooseKey.set(loose, [...(byLooseKey.get(loose) ?? []), key]); // a handful of courses at most
    }
    for (const session of group) {
      if (session.override) change(key, session, session.override);
      else if (session.status) change(key, session, { status: 'cancelled', ...(session.status.reason ? { reason: session.status.reason } : {}), reasonText: session.status.reasonText });
    }
  }

  for (const session of changed) {
    const status = session.status!;
    const part = status.status === 'room-changed' ? 'rooms' : status.status === 'substituted' ? 'teachers' : undefined;
    const candidates = part ? byLooseKey.get(`${part}:${keyOf(session, part)}`) ?? [] : [];
    if (candidates.length === 1) {
      weeks.get(candidates[0])!.add(session.start.weekOfYear ?? 0);
      const course = courses.get(candidates[0])!;
      if (dateOf(session.start) < course.validFrom!) course.validFrom = dateOf(session.start);
      if (dateOf(session.start) > course.validTo!) course.validTo = dateOf(session.start);
      change(candidates[0], session, {
        status: status.status, ...(status.reason ? { reason: status.reason } : {}), reasonText: status.reasonText,
        ...(part === 'rooms' ? { rooms: roomsOf(session.lesson) } : { teachers: session.lesson.teachers }),
      });
    } else {
      lone.push(session);
    }
  }

  for (const session of lone) {
    const subject = subjectOf(session.lesson);
    change(undefined, session, {
      status: 'extra', ...(session.status ? { reasonText: session.status.reasonText } : {}),
      newDate: dateOf(session.start), startTime: hhmm(session.start), durationMinutes: session.durationMinutes,
      ...(subject ? { subject } : {}), teachers: session.lesson.teachers, groups: session.lesson.groups, rooms: roomsOf(session.lesson),
    });
  }
  for (const [key, course] of courses) course.weeks = { isoWeeks: [...weeks.get(key)!].sort((a, b) => a - b) };
  return { courses: [...courses.values()], changes };
}
