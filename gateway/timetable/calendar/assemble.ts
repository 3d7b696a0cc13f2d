// An establishment's school calendar, from its parts: its holiday zone's calendar for the school year, its own
// academic-year record (whose values win), the closures of the territories it is in, its time zone and its
// département (for the public holidays). Also the school year a date is in and the dates a school year covers.
import type { DatePeriod, SchoolCalendar } from '../model.js';
import { publicHolidays } from './public-holidays.js';

/**
 * The zone's calendar for one school year, as the calendrier-scolaire connector or the shipped file gives it.
 * Periods are inclusive days without classes: the dataset's `end_date`, the morning classes resume, is not one.
 */
export interface ZoneYear {
  /** The first and last day of classes, when the source tells them. */
  startDate?: string;
  endDate?: string;
  holidays: DatePeriod[];
}

/** The establishment's own academic-year record: each field it gives replaces the zone's. */
export interface EstablishmentYear {
  startDate?: string;
  endDate?: string;
  holidays?: DatePeriod[];
  closures?: DatePeriod[];
  alternations?: Record<string, string[]>;
}

export interface CalendarParts {
  /** `2026-2027`. */
  schoolYear: string;
  /** IANA time zone of the establishment. */
  timeZone: string;
  /** 3 characters (`075`, `02A`, `971`): adds the local public holidays (Alsace-Moselle, overseas). */
  departementCode?: string;
  zone?: ZoneYear;
  establishmentYear?: EstablishmentYear;
  /** Closures of a territory the establishment is in (a commune's snow day), added to its own. */
  territoryClosures?: DatePeriod[];
}

const SCHOOL_YEAR = /^(\d{4})-(\d{4})$/;

/** The school year (`2026-2027`) an ISO date is in: a school year runs from 1 September to 31 August. */
export function schoolYearOf(date: string): string {
  const year = Number(date.slice(0, 4));
  const first = Number(date.slice(5, 7)) >= 9 ? year : year - 1;
  return `${first}-${first + 1}`;
}

/** The dates a school year covers, 1 September to 31 August: what a materialisation of that year replaces. */
export function schoolYearRange(schoolYear: string): { startDate: string; endDate: string } {
  const match = SCHOOL_YEAR.exec(schoolYear);
  if (!match || Number(match[2]) !== Number(match[1]) + 1) {
    throw new RangeError(`a school year is two consecutive years, like 2026-2027, not ${JSON.stringify(schoolYear)}`);
  }
  return { startDate: `${match[1]}-09-01`, endDate: `${match[2]}-08-31` };
}

/**
 * The establishment's calendar for a school year. Its first and last day of classes are its record's, else the
 * zone's, else the school year's bounds; its holidays are its record's if it has any, else the zone's; closures
 * are its own and its territories'; alternations are its own (the materialiser falls back to the default A/B).
 * Periods and public holidays are kept when they meet the school year (or the calendar, if it reaches beyond).
 */
export function schoolCalendar(parts: CalendarParts): SchoolCalendar {
  const year = schoolYearRange(parts.schoolYear);
  const own = parts.establishmentYear ?? {};
  const startDate = own.startDate ?? parts.zone?.startDate ?? year.startDate;
  const endDate = own.endDate ?? parts.zone?.endDate ?? year.endDate;
  const spanStart = startDate < year.startDate ? startDate : year.startDate;
  const spanEnd = endDate > year.endDate ? endDate : year.endDate;
  const withinSpan = (periods: readonly DatePeriod[]): DatePeriod[] => periods
    .filter((period) => period.startDate <= spanEnd && period.endDate >= spanStart)
    .sort((a, b) => (a.startDate < b.startDate ? -1 : a.startDate > b.startDate ? 1 : 0));
  return {
    timeZone: parts.timeZone,
    startDate,
    endDate,
    holidays: withinSpan(own.holidays?.length ? own.holidays : parts.zone?.holidays ?? []),
    publicHolidays: publicHolidays(spanStart, spanEnd, { departementCode: parts.departementCode }),
    closures: withinSpan([...(own.closures ?? []), ...(parts.territoryClosures ?? [])]),
    alternations: own.alternations ?? {},
  };
}
