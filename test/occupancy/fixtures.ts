// Shared builders for the occupancy tests: local Paris times written as they read.

import { Temporal } from 'temporal-polyfill';
import type { Interval } from '../../gateway/occupancy/model.js';

export const PARIS = 'Europe/Paris';

/** The instant of a local wall-clock time in Paris (`2026-10-05 08:00`). */
export function paris(dateTime: string): Date {
  const zoned = Temporal.PlainDateTime.from(dateTime.replace(' ', 'T')).toZonedDateTime(PARIS);
  return new Date(zoned.epochMilliseconds);
}

/** A busy interval on one local day: `at('2026-10-05', '08:00', '10:00')`. */
export function at(date: string, start: string, end: string): Interval {
  return { start: paris(`${date} ${start}`), end: paris(`${date} ${end}`) };
}
