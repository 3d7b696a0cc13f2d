// The `from` and `to` of the timetable and occupancy feeds: inclusive local dates, by default the current week
// (Monday to Sunday, in Paris), at most a year and a day apart.
import type { Request } from 'express';
import { Temporal } from 'temporal-polyfill';
import { ValidationProblem } from '../errors/problems.js';
import { queryString } from './query.js';

export interface DateRange {
  from: string;
  to: string;
}

export const MAX_RANGE_DAYS = 366;

function dateParameter(req: Request, name: string): Temporal.PlainDate | undefined {
  const value = queryString(req, name);
  if (value === undefined) return undefined;
  try {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new RangeError(value);
    return Temporal.PlainDate.from(value, { overflow: 'reject' });
  } catch {
    throw new ValidationProblem(`/query/${name} must be a date (YYYY-MM-DD)`, [{ pointer: `/query/${name}`, detail: 'must be a date (YYYY-MM-DD)' }]);
  }
}

/** Today's date in Paris, where the feeds' default days are. */
export function todayInParis(now = new Date()): Temporal.PlainDate {
  return Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO('Europe/Paris').toPlainDate();
}

export function dateRange(req: Request, now = new Date()): DateRange {
  const today = todayInParis(now);
  const from = dateParameter(req, 'from') ?? (dateParameter(req, 'to')?.subtract({ days: 6 }) ?? today.subtract({ days: today.dayOfWeek - 1 }));
  const to = dateParameter(req, 'to') ?? from.add({ days: 6 });
  const days = from.until(to, { largestUnit: 'days' }).days;
  if (days < 0) throw new ValidationProblem('/query/to must not be before from', [{ pointer: '/query/to', detail: `must be ${from} or later` }]);
  if (days >= MAX_RANGE_DAYS) {
    throw new ValidationProblem(`from and to may be at most ${MAX_RANGE_DAYS} days apart`, [{ pointer: '/query/to', detail: `must be before ${from.add({ days: MAX_RANGE_DAYS })}` }]);
  }
  return { from: from.toString(), to: to.toString() };
}
