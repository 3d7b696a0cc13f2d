// EDT's week masks: `Semaines`, `SemainesInclusion` and `SemainesAnnulation` are integers whose bit i (i ≥ 1) says
// the item applies in week i of the school year, week 1 being the week of AnneeScolaire@DatePremierJourSemaine1
// (ENTCORE EDTImporter.addCourse tests `(1L << i) & mask`). A year can pass 53 bits, so masks are read as BigInt.
import { Temporal } from 'temporal-polyfill';

/** At most this many weeks are read from a mask: a school year has about 44, a calendar year 53. */
const MAX_WEEKS = 60;

/** The week numbers (1-based, from week 1 of the school year) a mask sets; undefined when it is not an integer. */
export function weeksOfMask(text: string): number[] | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,40}$/.test(trimmed)) return undefined;
  const mask = BigInt(trimmed);
  const weeks: number[] = [];
  for (let week = 1; week <= MAX_WEEKS; week += 1) {
    if ((mask >> BigInt(week)) & 1n) weeks.push(week);
  }
  return weeks;
}

/**
 * The date of a session in week `week` of the school year on day `jour`: week 1's first day + (week − 1) weeks
 * + (jour − 1) days, as ENTCORE computes it (`startDateWeek1.plusWeeks(week - 1).plusDays(day - 1)`), so `Jour`
 * is 1-based, 1 being the first day of DatePremierJourSemaine1's week (a Monday in the exports seen).
 */
export function sessionDate(firstDay: Temporal.PlainDate, week: number, jour: number): Temporal.PlainDate {
  return firstDay.add({ weeks: week - 1, days: jour - 1 });
}

/** The ISO week numbers of some dates, sorted and without repeats. */
export function isoWeeksOf(dates: readonly Temporal.PlainDate[]): number[] {
  return [...new Set(dates.map((date) => date.weekOfYear as number))].sort((a, b) => a - b);
}

/** `2026-08-31`, `2026-08-31T00:00:00` or `31/08/2026` → a date; undefined otherwise. */
export function dateOf(text: string): Temporal.PlainDate | undefined {
  const trimmed = text.trim();
  const iso = /^(\d{4}-\d{2}-\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(trimmed);
  const french = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(trimmed);
  const text10 = iso ? iso[1] : french ? `${french[3]}-${french[2]}-${french[1]}` : undefined;
  if (!text10) return undefined;
  try {
    return Temporal.PlainDate.from(text10, { overflow: 'reject' });
  } catch {
    return undefined;
  }
}
