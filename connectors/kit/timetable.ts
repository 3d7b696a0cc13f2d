// What a timetable connector (EDT, UDT, STS-Web's reverse file, iCalendar) hands the gateway: recurring courses,
// dated changes to them, the rooms and subjects it describes, and what it says of the establishment's calendar.
// Vie-scolaire software names teachers, classes, groups, rooms and subjects by its own ids, codes or names, not
// by the roster's: each is a ResourceRef, which the gateway matches to the roster (source id, then code, then
// name) when it writes the timetable (gateway/timetable/import/).
import type { ConnectorProblem, SourcePosition } from './problem.js';

/** How a timetable names a roster record: any of these that it knows, the most specific first. */
export interface ResourceRef {
  /** The exporting software's own identifier (EDT's `Ident`, UDT's `code`, STS-Web's `ID`). */
  sourceId?: string;
  /** A class or group code (`4B`), a room code (`S14`), a subject code (national 6 digits, or the software's). */
  code?: string;
  /** For a teacher: family name, and given name when known (matched case- and accent-insensitively). */
  familyName?: string;
  givenName?: string;
  /** A label to show, when that is all the file has (a subject's name, a room's name). */
  name?: string;
}

/** A group reference also says whether it designates a class (division) or a teaching group, when the file tells. */
export interface GroupRef extends ResourceRef {
  kind?: 'division' | 'group';
}

/**
 * The weeks a course runs: every school week, the weeks of an alternation label the establishment's calendar
 * defines (`A`, `B`, `Q1`), or an explicit set of ISO week numbers (1–53) within the course's validity.
 */
export type CourseWeeks = 'all' | { alternation: string } | { isoWeeks: number[] };

export interface TimetableCourse {
  /** Stable across exports of the same timetable (the software's course id, or what identifies the slot). */
  sourceId: string;
  subject?: ResourceRef;
  teachers: ResourceRef[];
  groups: GroupRef[];
  rooms: ResourceRef[];
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** `HH:MM`, in the establishment's time zone. */
  startTime: string;
  durationMinutes: number;
  weeks: CourseWeeks;
  /** ISO dates, inclusive, when the file bounds the course. */
  validFrom?: string;
  validTo?: string;
  position: SourcePosition;
}

export type OccurrenceStatus = 'scheduled' | 'cancelled' | 'moved' | 'room-changed' | 'substituted' | 'extra';
export const OCCURRENCE_STATUSES: readonly OccurrenceStatus[] = ['scheduled', 'cancelled', 'moved', 'room-changed', 'substituted', 'extra'];

/** Why an occurrence changed, on one vocabulary (`other` when the file says something else, kept in `reasonText`). */
export type ChangeReason = 'teacher-absence' | 'class-absence' | 'exam' | 'trip' | 'strike' | 'closure' | 'holiday' | 'meeting' | 'other';

/**
 * One dated change to the timetable: a course's session on `date` cancelled, moved, in another room or with a
 * substitute teacher, or an extra session with no course. Fields it does not give keep the course's.
 */
export interface TimetableChange {
  /** Stable across exports: the software's id, or what identifies the change (course, date, kind). */
  sourceId: string;
  /** The course it changes (its TimetableCourse.sourceId); absent for an extra session. */
  courseSourceId?: string;
  /** The date of the course's session it changes (ISO), in the establishment's time zone. */
  date: string;
  status: Exclude<OccurrenceStatus, 'scheduled'>;
  reason?: ChangeReason;
  reasonText?: string;
  /** Where the session goes (moved, extra): its new date and time; otherwise the course's. */
  newDate?: string;
  startTime?: string;
  durationMinutes?: number;
  subject?: ResourceRef;
  teachers?: ResourceRef[];
  groups?: GroupRef[];
  rooms?: ResourceRef[];
  position: SourcePosition;
}

/** A room as the file describes it: rooms a timetable names that the roster lacks are created. */
export interface TimetableRoom {
  sourceId?: string;
  code: string;
  name?: string;
  building?: string;
  capacity?: number;
  position: SourcePosition;
}

export interface TimetableSubject {
  sourceId?: string;
  code: string;
  name?: string;
  position: SourcePosition;
}

/** What the file says of the establishment's calendar. */
export interface TimetableCalendar {
  /** ISO dates of the school year as the software has it. */
  startDate?: string;
  endDate?: string;
  /** Periods without classes the software knows (holidays, closures). Inclusive ISO dates. */
  closures?: { name?: string; startDate: string; endDate: string }[];
  /** Alternation labels and the Monday (ISO date) of each week they cover. */
  alternations?: { label: string; name?: string; weeks: string[] }[];
  position: SourcePosition;
}

export type TimetableItem =
  | { kind: 'establishment'; uai: string; position: SourcePosition }
  | { kind: 'calendar'; calendar: TimetableCalendar }
  | { kind: 'room'; room: TimetableRoom }
  | { kind: 'subject'; subject: TimetableSubject }
  | { kind: 'course'; course: TimetableCourse }
  | { kind: 'change'; change: TimetableChange }
  | { kind: 'problem'; problem: ConnectorProblem };

/** One file of a delivery, as the gateway hands it (an archive already unpacked into its files). */
export interface TimetableFile {
  name: string;
  open(): AsyncIterable<Buffer | Uint8Array>;
}

export interface TimetableParseOptions {
  /** Index Éducation's partner key (PEM, PKCS#8) to open an encrypted EXPORT_INDEX_EDUCATION envelope. */
  partnerPrivateKey?: string;
}

/**
 * A timetable connector: a delivery's files in (one for most formats, a UDT ZIP's many), items out as they are
 * read. Bad data becomes problems naming file, line and field; a FileProblem stops a file that cannot be read.
 */
export type TimetableParser = (files: TimetableFile[], options: TimetableParseOptions) => AsyncGenerator<TimetableItem>;
