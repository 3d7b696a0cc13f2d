// The timetable as the gateway materialises it: courses (recurring patterns) and dated changes, as stored, with
// the roster's ids already resolved; the establishment's school calendar; and the occurrences they make. Pure
// types: the materialiser (materialise.ts) and the calendar (calendar/) read them, the store writes them.

export type OccurrenceStatus = 'scheduled' | 'cancelled' | 'moved' | 'room-changed' | 'substituted' | 'extra';

/** A course as stored (schemas/course.schema.json). */
export interface Course {
  id: string;
  subjectId?: string;
  teacherIds: string[];
  groupIds: string[];
  roomIds: string[];
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** `HH:MM`, local time of the establishment. */
  startTime: string;
  durationMinutes: number;
  /** `all`, an alternation label of the calendar (`A`, `Q1`), or ISO week numbers within the school year. */
  weeks: 'all' | string | number[];
  validFrom?: string;
  validTo?: string;
}

/** A dated change to a course's session, or an extra session (schemas/occurrence.schema.json, as written). */
export interface OccurrenceChange {
  id: string;
  /** Absent for an extra session. */
  courseId?: string;
  /** The date of the course's session it changes (an extra session's own date). */
  date: string;
  status: Exclude<OccurrenceStatus, 'scheduled'>;
  reason?: string;
  /** A moved session's new date; its new time is `startTime`. */
  newDate?: string;
  startTime?: string;
  durationMinutes?: number;
  subjectId?: string;
  teacherIds?: string[];
  groupIds?: string[];
  roomIds?: string[];
}

export interface DatePeriod {
  name: string;
  /** Inclusive ISO dates: the first and last day without classes. */
  startDate: string;
  endDate: string;
}

/** Everything that decides on which days an establishment's courses run. */
export interface SchoolCalendar {
  /** IANA time zone of the establishment (Europe/Paris, America/Cayenne, Indian/Reunion, Pacific/Noumea…). */
  timeZone: string;
  /** The school year: first and last day of classes (inclusive ISO dates). */
  startDate: string;
  endDate: string;
  /** The zone's holidays: no session at all on those days. */
  holidays: DatePeriod[];
  /** Public holidays (and the Ascension bridge): no session. */
  publicHolidays: { date: string; name: string }[];
  /** Closures (by hand, or a commune's snow day): sessions on those days are cancelled, with reason `closure`. */
  closures: DatePeriod[];
  /** Alternation label → the Monday (ISO date) of each week it covers. */
  alternations: Record<string, string[]>;
}

/** One dated session, as the occurrence table keeps it. */
export interface Occurrence {
  /** UUID v5 of the course and the date of its session (an extra session: of its change's id). */
  id: string;
  courseId: string | null;
  /** The date of the session in the establishment's time zone. */
  date: string;
  startsAt: Date;
  endsAt: Date;
  status: OccurrenceStatus;
  reason: string | null;
  subjectId: string | null;
  roomIds: string[];
  teacherIds: string[];
  groupIds: string[];
}
