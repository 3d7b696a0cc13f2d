// The alternations a course may run on when the establishment's calendar does not define its label: week A and
// week B (and their other names, Q1 and Q2, "quinzaine 1" and "quinzaine 2") alternate over the school weeks.
//
// The rule: the weeks run Monday to Sunday, from the week of the rentrée (calendar.startDate) to the week of the
// last day of classes (calendar.endDate). A week is a school week when at least one of its Monday-to-Friday days
// lies within the school year and is neither in a holiday nor a public holiday. The rentrée's week is A; each
// later school week takes the other label than the school week before it; a week without school (all its
// weekdays in holidays: Toussaint, Noël…) gets no label and does not flip the parity, so the week after the
// holidays follows the week before them. Q1 is A's weeks and Q2 is B's.
import type { SchoolCalendar } from '../model.js';
import { isoDate, mondayOf, schoolYearDays } from './days.js';

export type AlternationCalendar = Pick<SchoolCalendar, 'startDate' | 'endDate' | 'holidays' | 'publicHolidays'>;

/** Label → the Monday (ISO date) of each week it covers, for the labels A, B, Q1 and Q2. */
export function defaultAlternations(calendar: AlternationCalendar): Record<string, string[]> {
  const { first, last, noSchool } = schoolYearDays(calendar);
  const weeksA: string[] = [];
  const weeksB: string[] = [];
  let isWeekA = true;
  for (let monday = mondayOf(first); monday <= last; monday += 7) {
    if (!hasSchoolDay(monday, first, last, noSchool)) continue;
    (isWeekA ? weeksA : weeksB).push(isoDate(monday));
    isWeekA = !isWeekA;
  }
  return { A: weeksA, B: weeksB, Q1: [...weeksA], Q2: [...weeksB] };
}

function hasSchoolDay(monday: number, first: number, last: number, noSchool: Set<number>): boolean {
  for (let day = monday; day < monday + 5; day += 1) {
    if (day >= first && day <= last && !noSchool.has(day)) return true;
  }
  return false;
}
