// VEVENTs → dated sessions in the establishment's time zone. A recurring event (RRULE) is expanded with
// ical.js on its own wall clock (so that a lesson at 08:00 Paris stays at 08:00 across the DST change), within
// the file's X-CALSTART/X-CALEND when it gives them, else a year from its start, and at most MAX_OCCURRENCES
// times; EXDATE removes a day; an event with the same UID and a RECURRENCE-ID overrides one occurrence
// (STATUS:CANCELLED: cancelled; another time: moved; another LOCATION: room-changed; another teacher:
// substituted). Events that repeat a UID without RECURRENCE-ID (Pronote writes each lesson as its own event)
// are sessions of their own; the very same one twice is kept once.
import type ICAL from 'ical.js';
import type { Temporal } from 'temporal-polyfill';
import { FileProblem, type ConnectorProblem } from '../kit/problem.js';
import type { TimetableChange } from '../kit/timetable.js';
import { describeEvent, type Lesson, type SessionStatus } from './describe.js';
import { eventComponent, lineOf, type IcalEvent } from './read.js';
import type { Clock } from './zone.js';

export const MAX_OCCURRENCES = 400;
/** Sessions a file may give in all: a whole establishment's year is some 40,000; more is not a timetable. */
export const MAX_SESSIONS = 200_000;

export interface Session {
  uid: string;
  line: number;
  lesson: Lesson;
  start: Temporal.ZonedDateTime;
  durationMinutes: number;
  /** What the file says of this session from its own words (SUMMARY, CATEGORIES, STATUS). */
  status?: SessionStatus;
  /** How an override (RECURRENCE-ID) changes this occurrence of a recurring event. */
  override?: Pick<TimetableChange, 'status' | 'reason' | 'reasonText' | 'newDate' | 'startTime' | 'durationMinutes' | 'rooms' | 'teachers'>;
}

interface Read {
  source: IcalEvent;
  event: ICAL.Component;
  line: number;
  uid: string;
  start: Temporal.ZonedDateTime;
  durationMinutes: number;
  /** The occurrence of a recurring event this one overrides (RECURRENCE-ID), in the establishment's zone. */
  recurrenceId?: Temporal.ZonedDateTime;
}

const teachersOf = (lesson: Lesson) => lesson.teachers.map((t) => t.name ?? t.familyName).join(',');
const hhmm = (at: Temporal.ZonedDateTime) => at.toPlainTime().toString().slice(0, 5);
const sameSlot = (a: Temporal.ZonedDateTime, b: Temporal.ZonedDateTime, dateOnly: boolean) =>
  a.toPlainDate().equals(b.toPlainDate()) && (dateOnly || hhmm(a) === hhmm(b));

export function sessionsOf(calendars: ICAL.Component[], events: IcalEvent[], clock: Clock, file: string): { sessions: Session[]; problems: ConnectorProblem[] } {
  const problems: ConnectorProblem[] = [];
  const warnedZones = new Set<string>();
  let allDay = 0;
  const bounds = calendars.map((c) => ['x-calstart', 'x-calend'].map((name) => c.getFirstPropertyValue(name)?.toString()))[0] ?? [];
  const boundOf = (text: string | undefined) => (text && /^\d{8}/.test(text) ? `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}` : undefined);
  const [fileStart, fileEnd] = bounds.map(boundOf);

  const localOf = (time: ICAL.Time, tzid: string | undefined, line: number) => {
    const { at, unknownZone } = clock.local(time, tzid);
    if (unknownZone && !warnedZones.has(unknownZone)) {
      warnedZones.add(unknownZone);
      problems.push({ file, line, field: 'TZID', code: 'unknown-time-zone', severity: 'warning', detail: `TZID "${unknownZone}" is neither an IANA zone nor a VTIMEZONE of the file; its times are read as ${clock.zone} times` });
    }
    return at;
  };

  /** An event's start and duration, or a problem when they cannot be read. */
  function read(source: IcalEvent): Read | undefined {
    const line = lineOf(source);
    const parsed = eventComponent(source);
    if (!('component' in parsed)) {
      problems.push({ file, line: parsed.line, code: 'invalid-event', severity: 'error', detail: `ical.js cannot read the VEVENT of line ${line} (${parsed.detail}); the event is left out` });
      return undefined;
    }
    const event = parsed.component;
    const bad = (field: string, detail: string) => {
      problems.push({ file, line: lineOf(source, field), field, code: 'invalid-field', severity: 'error', detail: `${detail}; the event is left out` });
      return undefined;
    };
    const uid = String(event.getFirstPropertyValue('uid') ?? '').trim() || `line-${line}`;
    const property = event.getFirstProperty('dtstart');
    if (!property) return bad('DTSTART', 'VEVENT has no DTSTART; expected its start');
    const value = <T>(name: string): T | undefined => {
      try {
        return (event.getFirstPropertyValue(name) ?? undefined) as T | undefined;
      } catch (error) {
        bad(name.toUpperCase(), `VEVENT ${uid} has a ${name.toUpperCase()} that cannot be read (${(error as Error).message}); expected YYYYMMDDTHHMMSS, UTC with Z or with a TZID`);
        throw error;
      }
    };
    let start: ICAL.Time | undefined;
    let end: ICAL.Time | undefined;
    let duration: ICAL.Duration | undefined;
    let recurrenceId: ICAL.Time | undefined;
    try {
      [start, end, duration, recurrenceId] = [value<ICAL.Time>('dtstart'), value<ICAL.Time>('dtend'), value<ICAL.Duration>('duration'), value<ICAL.Time>('recurrence-id')];
    } catch {
      return undefined;
    }
    if (!start) return bad('DTSTART', `VEVENT ${uid} has no DTSTART value; expected its start`);
    if (start.isDate) {
      allDay += 1;
      return undefined;
    }
    const at = localOf(start, property.getParameter('tzid')?.toString(), line);
    const until = end ? localOf(end, event.getFirstProperty('dtend')?.getParameter('tzid')?.toString(), line) : undefined;
    const minutes = until ? Math.round(at.until(until).total('minutes')) : duration ? Math.round(duration.toSeconds() / 60) : 0;
    if (!(minutes > 0 && minutes <= 24 * 60)) return bad(until ? 'DTEND' : 'DURATION', `VEVENT ${uid} lasts ${minutes} minutes; expected an end after its start, within the day`);
    const original = recurrenceId && localOf(recurrenceId, event.getFirstProperty('recurrence-id')?.getParameter('tzid')?.toString(), line);
    return { source, event, line, uid, start: at, durationMinutes: minutes, ...(original ? { recurrenceId: original } : {}) };
  }

  const sessions: Session[] = [];
  const add = (line: number, ...more: Session[]) => {
    sessions.push(...more);
    if (sessions.length > MAX_SESSIONS) {
      throw new FileProblem({ file, line, code: 'too-many-sessions', severity: 'error', detail: `the events give more than ${MAX_SESSIONS} sessions; expected the timetable of one establishment for a school year` });
    }
  };
  const seen = new Set<string>();
  const recurring = new Map<string, Session[]>();

  const unreadable = (master: Read, field: 'RRULE' | 'EXDATE', error: unknown) => {
    problems.push({ file, line: lineOf(master.source, field), field, code: 'invalid-field', severity: 'error', detail: `VEVENT ${master.uid}'s ${field} cannot be read (${(error as Error).message}); the event is left out` });
    return undefined;
  };

  /** The occurrences of a recurring event, or undefined (and a problem) when its rule or EXDATE cannot be read. */
  function occurrencesOf(master: Read, session: (start: Temporal.ZonedDateTime) => Session): Session[] | undefined {
    const dtstart = master.event.getFirstProperty('dtstart')!;
    const tzid = dtstart.getParameter('tzid')?.toString();
    let excluded: { at: Temporal.ZonedDateTime; dateOnly: boolean }[];
    try {
      excluded = master.event.getAllProperties('exdate').flatMap((p) => p.getValues().map((v) => ({ at: localOf(v as ICAL.Time, p.getParameter('tzid')?.toString(), master.line), dateOnly: (v as ICAL.Time).isDate })));
    } catch (error) {
      return unreadable(master, 'EXDATE', error);
    }
    const last = fileEnd ?? master.start.toPlainDate().add({ years: 1 }).toString();
    const occurrences: Session[] = [];
    try {
      const iterator = (master.event.getFirstPropertyValue('rrule') as ICAL.Recur).iterator(dtstart.getFirstValue() as ICAL.Time);
      // Occurrences skipped (before X-CALSTART, on an EXDATE) count too, so that no rule keeps the reader busy.
      let steps = 0;
      for (let next = iterator.next(); next; next = iterator.next()) {
        const at = localOf(next, tzid, master.line);
        if (at.toPlainDate().toString() > last) break;
        if (occurrences.length >= MAX_OCCURRENCES || ++steps > 4 * MAX_OCCURRENCES) {
          problems.push({ file, line: lineOf(master.source, 'RRULE'), field: 'RRULE', code: 'too-many-occurrences', severity: 'warning', detail: `VEVENT ${master.uid} recurs more than ${MAX_OCCURRENCES} times; the first ${MAX_OCCURRENCES} are kept` });
          break;
        }
        if (fileStart && at.toPlainDate().toString() < fileStart) continue;
        if (excluded.some((x) => sameSlot(x.at, at, x.dateOnly))) continue;
        occurrences.push(session(at));
      }
    } catch (error) {
      return unreadable(master, 'RRULE', error);
    }
    return occurrences;
  }

  /** An event that overrides none: its session, or the sessions of its rule. Its ical.js tree is then let go. */
  function expand(master: Read): void {
    const { lesson, status } = describeEvent(master.event);
    const session = (start: Temporal.ZonedDateTime): Session => ({ uid: master.uid, line: master.line, lesson, start, durationMinutes: master.durationMinutes, ...(status ? { status } : {}) });
    if (master.event.hasProperty('rrule')) {
      const occurrences = occurrencesOf(master, session);
      if (occurrences) {
        recurring.set(master.uid, occurrences);
        add(master.line, ...occurrences);
      }
      return;
    }
    const key = `${master.uid}@${master.start.toString()}`;
    if (seen.has(key)) {
      problems.push({ file, line: master.line, field: 'UID', code: 'duplicate-record', severity: 'warning', detail: `VEVENT ${master.uid} at ${master.start.toPlainDateTime().toString()} is given again; the first one is kept` });
      return;
    }
    seen.add(key);
    add(master.line, session(master.start));
  }

  // Overrides wait for every recurring event to be expanded; the others are expanded as they are read.
  const overrides: Read[] = [];
  for (const event of events) {
    const r = guarded(event, () => read(event));
    if (r?.recurrenceId) overrides.push(r);
    else if (r) guarded(event, () => expand(r));
  }

  for (const override of overrides) guarded(override.source, () => applyOverride(override));
  if (allDay > 0) problems.push({ file, code: 'all-day-events', severity: 'warning', detail: `${allDay} all-day event(s) left out: a timetable's lessons have a start time` });
  return { sessions, problems };

  /** An override of one occurrence of a recurring event: a change of that occurrence, or a session of its own. */
  function applyOverride(override: Read): void {
    const original = override.recurrenceId!;
    const occurrence = recurring.get(override.uid)?.find((s) => sameSlot(s.start, original, false));
    const { lesson, status } = describeEvent(override.event);
    if (!occurrence) {
      // Nothing to override (the master is not in the file): the event is a session of its own.
      add(override.line, { uid: override.uid, line: override.line, lesson, start: override.start, durationMinutes: override.durationMinutes, ...(status ? { status } : {}) });
      return;
    }
    const moved = !sameSlot(override.start, original, false) || override.durationMinutes !== occurrence.durationMinutes;
    const roomsChanged = lesson.rooms.join(',') !== occurrence.lesson.rooms.join(',');
    if (status?.status === 'cancelled') occurrence.override = { status: 'cancelled', ...(status.reason ? { reason: status.reason } : {}), reasonText: status.reasonText };
    else if (moved) occurrence.override = { status: 'moved', newDate: override.start.toPlainDate().toString(), startTime: hhmm(override.start), durationMinutes: override.durationMinutes, ...(roomsChanged ? { rooms: lesson.rooms.map((code) => ({ sourceId: code, code })) } : {}) };
    else if (roomsChanged) occurrence.override = { status: 'room-changed', rooms: lesson.rooms.map((code) => ({ sourceId: code, code })) };
    else if (teachersOf(lesson) !== teachersOf(occurrence.lesson)) occurrence.override = { status: 'substituted', teachers: lesson.teachers };
  }

  /** Runs what reads one event; anything ical.js throws on its data is a problem of that event, never of the file. */
  function guarded<T>(event: IcalEvent, run: () => T): T | undefined {
    try {
      return run();
    } catch (error) {
      if (error instanceof FileProblem) throw error;
      problems.push({ file, line: lineOf(event), code: 'invalid-event', severity: 'error', detail: `the VEVENT cannot be read (${(error as Error).message}); it is left out` });
      return undefined;
    }
  }
}
