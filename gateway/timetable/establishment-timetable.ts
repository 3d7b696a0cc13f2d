// An establishment's timetable from what is stored: which school years to materialise, each year's calendar
// (its own academic-year record, else its zone's calendar as imported, else as shipped), the occurrences of
// each, and the days it has no classes (for occupancy rates and heating). Pure: the store reads the inputs
// (store/timetable/inputs.ts) and writes the result (store/write/derived.ts).
import { schoolCalendar, schoolYearOf, schoolYearRange } from './calendar/assemble.js';
import { shippedSchoolYear } from './calendar/shipped.js';
import { isHolidayZone, timeZoneOf } from './calendar/zones.js';
import type { CalendarInputs, EstablishmentPlace, TimetableInputs } from './inputs.js';
import { materialise } from './materialise.js';
import type { DatePeriod, Occurrence, SchoolCalendar } from './model.js';

export interface MaterialisedYear {
  schoolYear: string;
  /** The dates the year's materialisation replaces (inclusive). */
  from: string;
  to: string;
  occurrences: Occurrence[];
}

/** The establishment's time zone: its own, else its département's (overseas), else Paris. */
export function timeZoneOfPlace(place: EstablishmentPlace): string {
  return place.timeZone ?? (place.departementCode ? timeZoneOf(place.departementCode) : undefined) ?? 'Europe/Paris';
}

/**
 * The establishment's calendar for a school year (`2026-2027`), or undefined when nothing tells its school days:
 * no academic-year record of its own, and its zone's calendar neither imported nor shipped.
 */
export function calendarFor(inputs: CalendarInputs, schoolYear: string): SchoolCalendar | undefined {
  const own = inputs.ownYears.find((year) => year.code === schoolYear);
  const { holidayZone } = inputs.place;
  const imported = inputs.zoneYears.find((year) => year.schoolYear === schoolYear);
  const zone = imported ?? (holidayZone && isHolidayZone(holidayZone) ? shippedSchoolYear(holidayZone, schoolYear) : undefined);
  if (!own && !zone) return undefined;
  return schoolCalendar({
    schoolYear,
    timeZone: timeZoneOfPlace(inputs.place),
    ...(inputs.place.departementCode ? { departementCode: inputs.place.departementCode } : {}),
    ...(zone ? { zone: { startDate: zone.startDate, endDate: zone.endDate, holidays: zone.periods } } : {}),
    ...(own ? {
      establishmentYear: {
        startDate: own.startDate, endDate: own.endDate, holidays: own.holidays, closures: own.closures,
        ...(own.alternations ? { alternations: Object.fromEntries(own.alternations.map((a) => [a.label, a.weeks])) } : {}),
      },
    } : {}),
    territoryClosures: inputs.closures,
  });
}

/**
 * The school years to materialise: the current one and the next, those the establishment has a record of, those
 * its courses' validity names, and those that hold stored occurrences (so that a deleted course's go).
 */
export function schoolYearsToMaterialise(inputs: TimetableInputs, today: Date): string[] {
  const current = schoolYearOf(today.toISOString().slice(0, 10));
  const next = `${Number(current.slice(5))}-${Number(current.slice(5)) + 1}`;
  const years = new Set([current, next, ...inputs.ownYears.map((year) => year.code)]);
  for (const course of inputs.courses) {
    for (const date of [course.validFrom, course.validTo]) if (date) years.add(schoolYearOf(date));
  }
  if (inputs.stored) for (const date of [inputs.stored.from, inputs.stored.to]) years.add(schoolYearOf(date));
  return [...years].sort();
}

export function materialiseTimetable(inputs: TimetableInputs, today: Date): MaterialisedYear[] {
  return schoolYearsToMaterialise(inputs, today).flatMap((schoolYear) => {
    const calendar = calendarFor(inputs, schoolYear);
    if (!calendar) return [];
    const range = schoolYearRange(schoolYear);
    // A year the calendar stretches (La Réunion starts in August) replaces what its calendar covers.
    const from = calendar.startDate < range.startDate ? calendar.startDate : range.startDate;
    const to = calendar.endDate > range.endDate ? calendar.endDate : range.endDate;
    const courses = inputs.courses.filter((course) => (!course.validTo || course.validTo >= from) && (!course.validFrom || course.validFrom <= to));
    const changes = inputs.changes.filter((change) => change.date >= from && change.date <= to);
    const { occurrences } = materialise(courses, changes, calendar);
    return [{ schoolYear, from, to, occurrences: occurrences.filter((o) => o.date >= from && o.date <= to) }];
  });
}

/** The dates from `from` to `to` (inclusive) with no classes: holidays, public holidays and closures. */
export function closedDatesBetween(inputs: CalendarInputs, from: string, to: string): string[] {
  const closed = new Set<string>();
  const years = new Set([schoolYearOf(from), schoolYearOf(to)]);
  for (const year of years) {
    const calendar = calendarFor(inputs, year);
    if (!calendar) continue;
    const periods: DatePeriod[] = [...calendar.holidays, ...calendar.closures];
    for (const date of eachDate(from, to)) {
      if (date < calendar.startDate || date > calendar.endDate) {
        if (schoolYearOf(date) === year) closed.add(date);
        continue;
      }
      if (periods.some((p) => p.startDate <= date && date <= p.endDate)) closed.add(date);
    }
    for (const holiday of calendar.publicHolidays) if (holiday.date >= from && holiday.date <= to) closed.add(holiday.date);
  }
  return [...closed].sort();
}

function* eachDate(from: string, to: string): Generator<string> {
  for (let day = new Date(`${from}T00:00:00Z`); day.toISOString().slice(0, 10) <= to; day.setUTCDate(day.getUTCDate() + 1)) {
    yield day.toISOString().slice(0, 10);
  }
}
