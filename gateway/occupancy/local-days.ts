// The establishment's local days, opening windows and wall-clock hours as instants, DST-correct: a day lasts
// from one local midnight to the next (23 or 25 hours on a change), and a wall-clock time that does not exist
// or exists twice is resolved the way Temporal's `compatible` does (the later instant, the earlier one).

import { Temporal } from 'temporal-polyfill';
import type { Span } from './intervals.js';
import type { OpeningHours } from './model.js';

/** A school year at most: a feed asks for a range, and each day is computed room by room. */
export const MAX_RANGE_DAYS = 366;

const MINUTES_PER_DAY = 24 * 60;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

export interface LocalDay {
  /** ISO date. */
  date: string;
  /** 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Local midnight to the next local midnight. */
  span: Span;
}

/** The local days from `from` to `to` inclusive; throws a RangeError naming a bad date, zone or range. */
export function localDays(from: string, to: string, timeZone: string): LocalDay[] {
  const first = plainDate(from, 'from');
  const last = plainDate(to, 'to');
  if (Temporal.PlainDate.compare(first, last) > 0) throw new RangeError(`from (${from}) is after to (${to})`);
  const count = first.until(last, { largestUnit: 'days' }).days + 1;
  if (count > MAX_RANGE_DAYS) throw new RangeError(`the range covers ${count} days; at most ${MAX_RANGE_DAYS}`);
  const days: LocalDay[] = [];
  let start = first.toZonedDateTime(timeZone);
  for (let date = first; days.length < count; date = date.add({ days: 1 })) {
    const next = date.add({ days: 1 }).toZonedDateTime(timeZone);
    days.push({ date: date.toString(), weekday: date.dayOfWeek, span: { start: start.epochMilliseconds, end: next.epochMilliseconds } });
    start = next;
  }
  return days;
}

function plainDate(text: string, field: string): Temporal.PlainDate {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new RangeError(`${field} must be an ISO date (YYYY-MM-DD), got ${JSON.stringify(text)}`);
  return Temporal.PlainDate.from(text);
}

/** From the first day's midnight to the midnight after the last day. */
export const rangeSpan = (days: readonly LocalDay[]): Span => ({ start: days[0].span.start, end: days[days.length - 1].span.end });

/** An instant as RFC 3339 with the offset it has in `timeZone` (`2026-10-26T08:00:00+01:00`). */
export function localInstant(epochMs: number, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timeZone).toString({ timeZoneName: 'never' });
}

/**
 * `localInstant` for many instants within the days: a year of a hundred rooms' busy intervals is a quarter of
 * a million instants, too many for a Temporal conversion each. On a day whose offset does not change, a whole
 * second is written from the offset found once for that day; anything else goes through Temporal.
 */
export function localInstantFormatter(days: readonly LocalDay[], timeZone: string): (epochMs: number) => string {
  const offsets = days.map((day) => {
    const first = Temporal.Instant.fromEpochMilliseconds(day.span.start).toZonedDateTimeISO(timeZone);
    const last = Temporal.Instant.fromEpochMilliseconds(day.span.end - 1).toZonedDateTimeISO(timeZone);
    const whole = first.offsetNanoseconds === last.offsetNanoseconds && first.offsetNanoseconds % 60e9 === 0;
    return whole ? { text: first.offset, ms: first.offsetNanoseconds / 1e6 } : null;
  });
  // A week's sessions start and end at a few hundred distinct instants, formatted thousands of times (a school
  // year's, a few thousand: the cache is bounded, and kept with the day grid that holds this formatter).
  const known = new Map<number, string>();
  return (epochMs) => {
    const cached = known.get(epochMs);
    if (cached !== undefined) return cached;
    const text = format(epochMs);
    if (known.size < 10_000) known.set(epochMs, text);
    return text;
  };

  function format(epochMs: number): string {
    let low = 0;
    let high = days.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (days[middle].span.start <= epochMs) low = middle;
      else high = middle - 1;
    }
    const offset = offsets[low];
    const within = days.length > 0 && epochMs >= days[low].span.start && epochMs < days[low].span.end;
    if (offset === null || !within || epochMs % 1000 !== 0) return localInstant(epochMs, timeZone);
    return new Date(epochMs + offset.ms).toISOString().slice(0, 19) + offset.text;
  }
}

/** The local wall-clock hour (`HH:MM`) of an instant. */
export function localClock(epochMs: number, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timeZone).toPlainTime().toString({ smallestUnit: 'minute' });
}

/** Opening hours checked once: minutes since local midnight. Throws a RangeError naming the bad field. */
export interface OpeningMinutes {
  start: number;
  end: number;
  weekdays: ReadonlySet<number>;
}

export function openingMinutes(hours: OpeningHours): OpeningMinutes {
  const start = clockMinutes(hours.start, 'openingHours.start');
  const end = clockMinutes(hours.end, 'openingHours.end');
  if (end <= start) throw new RangeError(`openingHours.end (${hours.end}) must be after openingHours.start (${hours.start})`);
  const weekdays = new Set(hours.weekdays);
  if ([...weekdays].some((day) => !Number.isInteger(day) || day < 1 || day > 7)) {
    throw new RangeError('openingHours.weekdays must be numbers from 1 (Monday) to 7 (Sunday)');
  }
  return { start, end, weekdays };
}

function clockMinutes(text: string, field: string): number {
  const match = CLOCK.exec(text);
  if (match === null) throw new RangeError(`${field} must be HH:MM (00:00 to 24:00), got ${JSON.stringify(text)}`);
  return match[1] === undefined ? MINUTES_PER_DAY : Number(match[1]) * 60 + Number(match[2]);
}

/** The instant of a local wall-clock time (minutes since midnight, 1440 = the next midnight) on a day. */
function instantAt(day: LocalDay, minutes: number, timeZone: string): number {
  if (minutes >= MINUTES_PER_DAY) return day.span.end;
  const plainTime = new Temporal.PlainTime(Math.floor(minutes / 60), minutes % 60);
  return Temporal.PlainDate.from(day.date).toZonedDateTime({ timeZone, plainTime }).epochMilliseconds;
}

/** The day's opening window as instants. */
export function openingWindow(day: LocalDay, opening: OpeningMinutes, timeZone: string): Span {
  return { start: instantAt(day, opening.start, timeZone), end: instantAt(day, opening.end, timeZone) };
}

export interface HourSlot {
  /** `HH:00`. */
  hour: string;
  span: Span;
}

/** Each wall-clock hour that the opening hours touch, cut to them (08:30–17:15 gives 08:00 … 17:00). */
export function hourSlots(day: LocalDay, opening: OpeningMinutes, timeZone: string): HourSlot[] {
  const window = openingWindow(day, opening, timeZone);
  const slots: HourSlot[] = [];
  for (let hour = Math.floor(opening.start / 60); hour * 60 < opening.end; hour += 1) {
    const start = Math.max(window.start, instantAt(day, hour * 60, timeZone));
    const end = Math.min(window.end, instantAt(day, (hour + 1) * 60, timeZone));
    slots.push({ hour: `${String(hour).padStart(2, '0')}:00`, span: { start, end: Math.max(start, end) } });
  }
  return slots;
}
