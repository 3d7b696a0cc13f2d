// The periods a measure over dates is split into: days, ISO weeks (Monday to Sunday) or calendar months, each
// named by its first day (what the store's date_trunc groups by) and clipped to the dates asked.
import { Temporal } from 'temporal-polyfill';
import type { Period } from '../store/aggregates/cells.js';

export interface PeriodSpan {
  /** The period's first day, clipped to `from`. */
  readonly from: string;
  /** Its last day, clipped to `to`. */
  readonly to: string;
  /** Its first day, unclipped: the key of its cells. */
  readonly start: string;
}

export function periodsBetween(from: string, to: string, period: Period): PeriodSpan[] {
  const first = Temporal.PlainDate.from(from);
  const last = Temporal.PlainDate.from(to);
  const startOf = (date: Temporal.PlainDate): Temporal.PlainDate =>
    period === 'day' ? date : period === 'week' ? date.subtract({ days: date.dayOfWeek - 1 }) : date.with({ day: 1 });
  const step = period === 'day' ? { days: 1 } : period === 'week' ? { weeks: 1 } : { months: 1 };
  const spans: PeriodSpan[] = [];
  for (let start = startOf(first); Temporal.PlainDate.compare(start, last) <= 0; start = start.add(step)) {
    const end = start.add(step).subtract({ days: 1 });
    spans.push({
      start: start.toString(),
      from: (Temporal.PlainDate.compare(start, first) < 0 ? first : start).toString(),
      to: (Temporal.PlainDate.compare(end, last) > 0 ? last : end).toString(),
    });
  }
  return spans;
}
