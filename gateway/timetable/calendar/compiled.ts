// A school calendar turned into what the materialiser asks of every date: day-number sets and ranges instead of
// ISO strings and periods, the ISO date of each day computed once, and each alternation label's weeks resolved
// (the calendar's own, else the default A/B alternation). Compiled once per calendar object and kept while the
// object lives: materialising course after course of one establishment compiles its calendar once.
import type { SchoolCalendar } from '../model.js';
import { defaultAlternations } from './alternations.js';
import { dayNumber, isoDate, schoolYearDays } from './days.js';

export interface CompiledCalendar {
  readonly calendar: SchoolCalendar;
  /** The school year's first and last day of classes (day numbers). */
  readonly first: number;
  readonly last: number;
  /** Days with no session at all: the zone's holidays and the public holidays. */
  readonly noSchool: ReadonlySet<number>;
  /** Whether a day is in a closure (any day: moved and extra sessions may fall outside the school year). */
  isClosed(day: number): boolean;
  /** The ISO date of a day number (cached within the school year). */
  dateOf(day: number): string;
  /** The Mondays (day numbers) of an alternation label's weeks; undefined for a label neither defines. */
  weeksOf(label: string): ReadonlySet<number> | undefined;
}

const compiled = new WeakMap<SchoolCalendar, CompiledCalendar>();

/** The compiled form of a calendar, which must not be changed afterwards (a changed calendar is a new object). */
export function compileCalendar(calendar: SchoolCalendar): CompiledCalendar {
  let result = compiled.get(calendar);
  if (!result) compiled.set(calendar, result = compile(calendar));
  return result;
}

function compile(calendar: SchoolCalendar): CompiledCalendar {
  const { first, last, noSchool } = schoolYearDays(calendar);
  const closures = calendar.closures.map((period) => [dayNumber(period.startDate), dayNumber(period.endDate)] as const);
  const dates: string[] = [];
  for (let day = first; day <= last; day += 1) dates.push(isoDate(day));
  let defaults: Record<string, string[]> | undefined;
  const weeksByLabel = new Map<string, ReadonlySet<number> | undefined>();
  const resolveWeeks = (label: string): ReadonlySet<number> | undefined => {
    // Object.hasOwn: a label such as `constructor` must not find an inherited property.
    if (Object.hasOwn(calendar.alternations, label)) return new Set(calendar.alternations[label].map(dayNumber));
    defaults ??= defaultAlternations(calendar);
    return Object.hasOwn(defaults, label) ? new Set(defaults[label].map(dayNumber)) : undefined;
  };
  return {
    calendar,
    first,
    last,
    noSchool,
    isClosed: (day) => closures.some(([start, end]) => day >= start && day <= end),
    dateOf: (day) => (day >= first && day <= last ? dates[day - first] : isoDate(day)),
    weeksOf: (label) => {
      if (!weeksByLabel.has(label)) weeksByLabel.set(label, resolveWeeks(label));
      return weeksByLabel.get(label);
    },
  };
}
