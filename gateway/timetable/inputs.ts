// What materialising an establishment's timetable starts from: where it is, its courses and their changes, its
// own school years, its holiday zone's published calendar and the closures of the territories it is in.
import type { Course, DatePeriod, OccurrenceChange } from './model.js';

export interface EstablishmentPlace {
  uai: string;
  timeZone?: string;
  holidayZone?: string;
  communeCode: string | null;
  departementCode: string | null;
  academieCode: string;
  regionCode: string;
}

/** An establishment's own school year record (academicYear), as stored. */
export interface OwnSchoolYear {
  code: string;
  startDate: string;
  endDate: string;
  holidays?: DatePeriod[];
  closures?: DatePeriod[];
  alternations?: { label: string; weeks: string[] }[];
}

/** A holiday zone's school year (schoolHolidays), as the national calendar publishes it. */
export interface ZoneSchoolYear {
  schoolYear: string;
  startDate?: string;
  endDate?: string;
  periods: DatePeriod[];
}

/** What decides an establishment's school days: everything but its courses. */
export interface CalendarInputs {
  place: EstablishmentPlace;
  ownYears: OwnSchoolYear[];
  zoneYears: ZoneSchoolYear[];
  closures: DatePeriod[];
}

export interface TimetableInputs extends CalendarInputs {
  courses: Course[];
  /** The changes of those courses, and every extra session of the establishment. */
  changes: OccurrenceChange[];
  /** The dates of the occurrences stored for these courses, if any: a year that holds some is materialised again. */
  stored?: { from: string; to: string };
}
