// Gathers the dataset's facts by zone and school year: every académie of a zone repeats the same records, so
// each period is kept once; an académie that gives other dates for a period its zone already has is reported.
// The dataset is small (some thousand records), but the collector is bounded all the same: a hostile file could
// name endless zones, years or periods.
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import { addDays, type CalendarFact } from './entry.js';
import { HOLIDAY_ZONES, type HolidayZone } from './zones.js';

/** A zone's school year, as the gateway takes it. Periods are inclusive dates without classes. */
export interface ZoneSchoolYear {
  zone: HolidayZone;
  /** `2026-2027`. */
  schoolYear: string;
  periods: { name: string; startDate: string; endDate: string }[];
  /** The first day of classes (the rentrée des élèves), when the dataset gives it. */
  startDate?: string;
  /** The last day of classes: the day the summer holidays start after class. */
  endDate?: string;
}

/** Zone × school year pairs kept: 13 zones over some thirty years of data fit well within. */
export const MAX_SCHOOL_YEARS = 500;
/** Distinct periods in one zone's school year: a real year has about eight. */
export const MAX_PERIODS_PER_YEAR = 40;

interface Seen<T> {
  value: T;
  academie: string;
  position: SourcePosition;
}

interface YearBeingRead {
  zone: HolidayZone;
  schoolYear: string;
  periods: Map<string, Seen<{ startDate: string; endDate: string }>>;
  summer?: Seen<{ name: string; stopDate: string; resumeDate?: string }>;
  rentree?: Seen<string>;
}

export class SchoolYearCollector {
  private readonly years = new Map<string, YearBeingRead>();

  /** Adds one record's fact; returns the problem it raises (a conflict, a bound reached), if any. */
  add(zone: HolidayZone, schoolYear: string, academie: string, fact: CalendarFact, position: SourcePosition): ConnectorProblem | undefined {
    const key = `${zone}|${schoolYear}`;
    let year = this.years.get(key);
    if (!year) {
      if (this.years.size >= MAX_SCHOOL_YEARS) {
        return { ...position, code: 'too-many-school-years', severity: 'error',
          detail: `more than ${MAX_SCHOOL_YEARS} zone and school year pairs; expected the calendar's zones over some years: the record is left out` };
      }
      year = { zone, schoolYear, periods: new Map() };
      this.years.set(key, year);
    }
    const conflict = (what: string, kept: Seen<unknown>, given: string, keptText: string): ConnectorProblem => ({
      ...position, code: 'conflicting-dates', severity: 'warning',
      detail: `${what} of ${zone} ${schoolYear} is ${given} for ${academie || 'this académie'}, but ${keptText} for ${kept.academie || 'another académie'} (${kept.position.file}${kept.position.line ? ` line ${kept.position.line}` : ''}); expected the same dates across a zone's académies: the first is kept`,
    });
    const seen = { academie, position };
    if (fact.kind === 'rentree') {
      if (!year.rentree) year.rentree = { value: fact.date, ...seen };
      else if (year.rentree.value !== fact.date) return conflict('the rentrée', year.rentree, fact.date, year.rentree.value);
      return undefined;
    }
    if (fact.kind === 'summer') {
      const value = { name: fact.name, stopDate: fact.stopDate, ...(fact.resumeDate ? { resumeDate: fact.resumeDate } : {}) };
      if (!year.summer) year.summer = { value, ...seen };
      else if (year.summer.value.stopDate !== fact.stopDate) return conflict('the start of the summer holidays', year.summer, fact.stopDate, year.summer.value.stopDate);
      else if (!year.summer.value.resumeDate && fact.resumeDate) year.summer.value = value;
      return undefined;
    }
    const kept = year.periods.get(fact.name);
    if (kept) {
      if (kept.value.startDate === fact.startDate && kept.value.endDate === fact.endDate) return undefined;
      return conflict(`"${fact.name}"`, kept, `${fact.startDate} to ${fact.endDate}`, `${kept.value.startDate} to ${kept.value.endDate}`);
    }
    if (year.periods.size >= MAX_PERIODS_PER_YEAR) {
      return { ...position, code: 'too-many-periods', severity: 'error',
        detail: `more than ${MAX_PERIODS_PER_YEAR} periods in ${zone} ${schoolYear}; expected about eight: "${fact.name}" is left out` };
    }
    year.periods.set(fact.name, { value: { startDate: fact.startDate, endDate: fact.endDate }, ...seen });
    return undefined;
  }

  /**
   * The zones' school years, in zone then year order, each period once, by date. The summer holidays end the day
   * before classes resume: as the record says, else the day before the zone's next rentrée when the file gives it,
   * else on 31 August (the rentrée is on 1 September at the earliest).
   */
  *schoolYears(): Generator<ZoneSchoolYear> {
    const order = (year: YearBeingRead) => `${HOLIDAY_ZONES.indexOf(year.zone).toString().padStart(2, '0')}|${year.schoolYear}`;
    const years = [...this.years.values()].sort((a, b) => order(a).localeCompare(order(b)));
    for (const year of years) {
      const periods = [...year.periods].map(([name, { value }]) => ({ name, ...value }));
      if (year.summer) {
        const { name, stopDate, resumeDate } = year.summer.value;
        const nextYear = `${year.schoolYear.slice(5)}-${Number(year.schoolYear.slice(5)) + 1}`;
        const nextRentree = this.years.get(`${year.zone}|${nextYear}`)?.rentree?.value;
        const endDate = resumeDate ? addDays(resumeDate, -1) : nextRentree ? addDays(nextRentree, -1) : `${year.schoolYear.slice(5)}-08-31`;
        const startDate = addDays(stopDate, 1);
        if (startDate <= endDate) periods.push({ name, startDate, endDate });
      }
      periods.sort((a, b) => a.startDate.localeCompare(b.startDate) || a.name.localeCompare(b.name));
      yield {
        zone: year.zone, schoolYear: year.schoolYear, periods,
        ...(year.rentree ? { startDate: year.rentree.value } : {}),
        ...(year.summer ? { endDate: year.summer.value.stopDate } : {}),
      };
    }
  }
}

