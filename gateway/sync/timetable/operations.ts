// A timetable delivery as the establishment's records: rooms and subjects it names that the roster lacks are
// created (under the source's ids), courses and course changes refer to the roster's records by gateway id (or
// to the rooms and subjects created, by source id), and what the calendar says becomes the school year record.
// A teacher or group the roster does not know is left out of its course with a warning at its line: the
// course still runs, in its rooms, and the next roster import followed by this one fills it in.
import type { ConnectorProblem, SourcePosition } from '../../../connectors/kit/problem.js';
import type {
  CourseWeeks, GroupRef, ResourceRef, TimetableCalendar, TimetableChange, TimetableCourse, TimetableItem, TimetableRoom, TimetableSubject,
} from '../../../connectors/kit/timetable.js';
import type { SourceRef } from '../../store/records.js';
import type { PlacedOperation } from '../apply-with-retry.js';
import { matchKey, RosterMatcher } from './resolve.js';

type Reference = { id: string } | { link: SourceRef };

export interface TimetableOperations {
  operations: PlacedOperation[];
  problems: ConnectorProblem[];
}

export function timetableOperations(items: readonly TimetableItem[], matcher: RosterMatcher): TimetableOperations {
  const source = matcher.sourceName;
  const problems: ConnectorProblem[] = [];
  const created = new Map<string, PlacedOperation>();
  const described = { room: new Map<string, TimetableRoom>(), subject: new Map<string, TimetableSubject>() };
  for (const item of items) {
    if (item.kind === 'room') described.room.set(matchKey(item.room.code), item.room);
    if (item.kind === 'subject') described.subject.set(matchKey(item.subject.code), item.subject);
  }

  /**
   * A room or subject: the roster's, else one this delivery creates (once). One an earlier delivery of this source
   * created (it holds this source's id) is delivered again, so that a complete import does not take it for dropped.
   */
  const placeOrSubject = (kind: 'room' | 'subject', ref: ResourceRef, position: SourcePosition): Reference | undefined => {
    const found = matcher.find(kind, ref);
    if (found && found.sourceIds[source] === undefined) return { id: found.id };
    const code = (ref.code ?? ref.name)?.slice(0, 60);
    if (!code) return undefined;
    const key = `${kind}/${matchKey(code)}`;
    if (!created.has(key)) {
      const described_ = kind === 'room' ? described.room.get(matchKey(code)) : described.subject.get(matchKey(code));
      created.set(key, {
        entity: kind, op: 'upsert', position,
        record: { ...(found ? { id: found.id } : {}), code, ...describedFields(kind, described_, ref), sourceIds: { [source]: found?.sourceIds[source] ?? code } },
      });
    }
    return found ? { id: found.id } : { link: { source, id: code } };
  };
  const people = (refs: readonly ResourceRef[], position: SourcePosition, field: string) => refs.flatMap((ref) => {
    const found = matcher.find('person', ref);
    if (!found) problems.push(unmatched(position, field, `teacher ${RosterMatcher.label(ref)}`));
    return found ? [{ id: found.id }] : [];
  });
  const groups = (refs: readonly GroupRef[], position: SourcePosition, field: string) => refs.flatMap((ref) => {
    const found = matcher.find('group', ref);
    if (!found) problems.push(unmatched(position, field, `${ref.kind === 'group' ? 'group' : 'class'} ${RosterMatcher.label(ref)}`));
    return found ? [{ id: found.id }] : [];
  });
  const places = (refs: readonly ResourceRef[], position: SourcePosition) =>
    refs.flatMap((ref) => placeOrSubject('room', ref, position) ?? []);

  const courses: PlacedOperation[] = [];
  const changes: PlacedOperation[] = [];
  let calendar: PlacedOperation | undefined;
  for (const item of items) {
    if (item.kind === 'course') courses.push(courseOperation(item.course));
    else if (item.kind === 'change') changes.push(changeOperation(item.change));
    else if (item.kind === 'calendar') calendar = calendarOperation(item.calendar, source, problems) ?? calendar;
  }
  return { operations: [...created.values(), ...(calendar ? [calendar] : []), ...courses, ...changes], problems };

  function courseOperation(course: TimetableCourse): PlacedOperation {
    const { position } = course;
    const refs = {
      subjectId: course.subject ? placeOrSubject('subject', course.subject, position) : undefined,
      teacherIds: people(course.teachers, position, 'teacher'),
      groupIds: groups(course.groups, position, 'group'),
      roomIds: places(course.rooms, position),
    };
    return withReferences('course', position, {
      sourceIds: { [source]: course.sourceId },
      weekday: course.weekday, startTime: course.startTime, durationMinutes: course.durationMinutes, weeks: weeksOf(course.weeks),
      ...(course.validFrom ? { validFrom: course.validFrom } : {}),
      ...(course.validTo ? { validTo: course.validTo } : {}),
    }, refs);
  }

  function changeOperation(change: TimetableChange): PlacedOperation {
    const { position } = change;
    const refs = {
      courseId: change.courseSourceId ? { link: { source, id: change.courseSourceId } } : undefined,
      subjectId: change.subject ? placeOrSubject('subject', change.subject, position) : undefined,
      ...(change.teachers ? { teacherIds: people(change.teachers, position, 'teacher') } : {}),
      ...(change.groups ? { groupIds: groups(change.groups, position, 'group') } : {}),
      ...(change.rooms ? { roomIds: places(change.rooms, position) } : {}),
    };
    const fields = Object.fromEntries(Object.entries({
      date: change.date, kind: change.status, reason: change.reason, reasonText: change.reasonText?.slice(0, 200),
      newDate: change.newDate, startTime: change.startTime, durationMinutes: change.durationMinutes,
    }).filter(([, value]) => value !== undefined));
    return withReferences('timetableChange', position, { sourceIds: { [source]: change.sourceId }, ...fields }, refs);
  }
}

/** A record whose reference fields hold gateway ids where known and links by source id to what the batch creates. */
function withReferences(
  entity: string, position: SourcePosition, record: Record<string, unknown>, refs: Record<string, Reference | Reference[] | undefined>,
): PlacedOperation {
  const links: Record<string, SourceRef | SourceRef[]> = {};
  for (const [field, value] of Object.entries(refs)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      // Sorted: the store sorts a field's ids with those its links resolve to, so the same export makes the same record.
      const ids = [...new Set(value.flatMap((r) => ('id' in r ? [r.id] : [])))].sort();
      const linked = value.flatMap((r) => ('link' in r ? [r.link] : []));
      // The ids known and the links the store resolves make the field together.
      record[field] = ids;
      if (linked.length) links[field] = linked;
    } else if ('id' in value) {
      record[field] = value.id;
    } else {
      links[field] = value.link;
    }
  }
  return { entity, op: 'upsert', record, ...(Object.keys(links).length ? { links } : {}), position };
}

/** The fields of a room or subject the file describes (a subject it names only by code is named by its code). */
function describedFields(kind: 'room' | 'subject', item: TimetableRoom | TimetableSubject | undefined, ref: ResourceRef): Record<string, unknown> {
  const name = item?.name ?? ref.name;
  if (kind === 'subject') return { name: (name ?? ref.code ?? '?').slice(0, 200) };
  const room = item as TimetableRoom | undefined;
  return {
    ...(name ? { name: name.slice(0, 200) } : {}),
    ...(room?.building ? { building: room.building.slice(0, 100) } : {}),
    ...(room?.capacity !== undefined ? { capacity: room.capacity } : {}),
  };
}

function weeksOf(weeks: CourseWeeks): string | number[] {
  if (weeks === 'all') return 'all';
  return 'alternation' in weeks ? weeks.alternation : weeks.isoWeeks;
}

/** The school year record the calendar describes, or undefined (with a warning) when it gives no dates. */
function calendarOperation(calendar: TimetableCalendar, source: string, problems: ConnectorProblem[]): PlacedOperation | undefined {
  const { startDate, endDate, position } = calendar;
  if (!startDate || !endDate) {
    if (calendar.alternations?.length || calendar.closures?.length) {
      problems.push({ ...position, code: 'calendar-without-dates', severity: 'warning', detail: 'the file gives week alternations or closures but not the school year\'s dates: they are not kept' });
    }
    return undefined;
  }
  const first = Number(startDate.slice(0, 4)) - (Number(startDate.slice(5, 7)) < 8 ? 1 : 0);
  const code = `${first}-${first + 1}`;
  return {
    entity: 'academicYear', op: 'upsert', position,
    record: {
      sourceIds: { [source]: code }, code, startDate, endDate,
      ...(calendar.closures?.length ? { closures: calendar.closures.map((c) => ({ name: c.name ?? 'Fermeture', startDate: c.startDate, endDate: c.endDate })) } : {}),
      ...(calendar.alternations?.length ? { alternations: calendar.alternations.map((a) => ({ label: a.label, ...(a.name ? { name: a.name } : {}), weeks: a.weeks })) } : {}),
    },
  };
}

function unmatched(position: SourcePosition, field: string, what: string): ConnectorProblem {
  return { ...position, field, code: 'not-in-roster', severity: 'warning', detail: `${what} is not in the establishment's roster: the course is kept without it (import the roster first)` };
}
