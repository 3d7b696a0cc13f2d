// Local date and wall-clock time in an establishment's time zone → the instant, correct across DST. The zone's
// UTC offset is looked up once per local date (with Temporal) and cached: a région's materialisation places
// millions of sessions on a few hundred dates, and a Temporal object per session would dominate its cost.
import { Temporal } from 'temporal-polyfill';
import { isoDate } from './calendar/days.js';

const MS_PER_DAY = 86_400_000;
const MS_PER_MINUTE = 60_000;

/** The offset of a local date when the zone keeps it all day; `null` on a day its offset changes (DST). */
type DayOffset = number | null;

// Time zone → day number → offset (ms). Bounded by the zones and dates materialised (a few hundred a year).
const offsetsByZone = new Map<string, Map<number, DayOffset>>();

function offsetOfDay(timeZone: string, day: number): DayOffset {
  let offsets = offsetsByZone.get(timeZone);
  if (!offsets) offsetsByZone.set(timeZone, offsets = new Map());
  let offset = offsets.get(day);
  if (offset === undefined) {
    // No zone changes its offset twice within a day: the same offset at this day's start and the next day's
    // start means it holds all day.
    const atStart = Temporal.PlainDate.from(isoDate(day)).toZonedDateTime(timeZone).offsetNanoseconds;
    const atNextStart = Temporal.PlainDate.from(isoDate(day + 1)).toZonedDateTime(timeZone).offsetNanoseconds;
    offset = atStart === atNextStart ? atStart / 1_000_000 : null;
    offsets.set(day, offset);
  }
  return offset;
}

/**
 * The instant (epoch ms) of a local date (day number) and minutes after local midnight in a time zone. On a
 * day the offset changes, Temporal places the time exactly (a time the clocks skip moves forward, `compatible`).
 * Throws a RangeError for a time zone Temporal does not know.
 */
export function localToEpochMs(timeZone: string, day: number, minutes: number): number {
  const offset = offsetOfDay(timeZone, day);
  if (offset !== null) return day * MS_PER_DAY + minutes * MS_PER_MINUTE - offset;
  const [year, month, dayOfMonth] = isoDate(day).split('-').map(Number);
  return Temporal.PlainDateTime.from({ year, month, day: dayOfMonth, hour: Math.floor(minutes / 60), minute: minutes % 60 })
    .toZonedDateTime(timeZone).epochMilliseconds;
}

/** Minutes after midnight of an `HH:MM` time. */
export function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}
