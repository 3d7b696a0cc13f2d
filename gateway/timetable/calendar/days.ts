// Plain calendar dates as day numbers (days since 1970-01-01): the arithmetic the calendar and the materialiser
// do on every date, without a Temporal object per date. Time zones do not enter here: these are local dates.

const MS_PER_DAY = 86_400_000;

/** The day number of an ISO date (`2026-09-01`). */
export function dayNumber(isoDate: string): number {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  const day = Number(isoDate.slice(8, 10));
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** The ISO date of a day number. */
export function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 1 = Monday … 7 = Sunday (day 0, 1 January 1970, was a Thursday). */
export function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The Monday of the week a day is in. */
export function mondayOf(day: number): number {
  return day - weekdayOf(day) + 1;
}

/** The ISO 8601 week number (1–53): the week belongs to the year of its Thursday. */
export function isoWeekOf(day: number): number {
  const thursday = mondayOf(day) + 3;
  const januaryFirst = Date.UTC(new Date(thursday * MS_PER_DAY).getUTCFullYear(), 0, 1) / MS_PER_DAY;
  return Math.floor((thursday - januaryFirst) / 7) + 1;
}

/**
 * The day numbers, between `first` and `last` (inclusive), that inclusive ISO date periods (holidays, closures)
 * cover, as a set: bounded by the range asked, whatever a period's length.
 */
export function daysOf(periods: readonly { startDate: string; endDate: string }[], first: number, last: number): Set<number> {
  const days = new Set<number>();
  for (const period of periods) {
    const end = Math.min(dayNumber(period.endDate), last);
    for (let day = Math.max(dayNumber(period.startDate), first); day <= end; day += 1) days.add(day);
  }
  return days;
}

/** The school year's bounds as day numbers, and the days in it with no school at all (holidays, public holidays). */
export function schoolYearDays(calendar: { startDate: string; endDate: string; holidays: readonly { startDate: string; endDate: string }[]; publicHolidays: readonly { date: string }[] }) {
  const first = dayNumber(calendar.startDate);
  const last = dayNumber(calendar.endDate);
  const noSchool = daysOf([
    ...calendar.holidays,
    ...calendar.publicHolidays.map(({ date }) => ({ startDate: date, endDate: date })),
  ], first, last);
  return { first, last, noSchool };
}
