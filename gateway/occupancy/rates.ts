// Occupancy rates of an establishment's rooms, buildings and the whole establishment: the busy time within the
// opening hours of open days over those opening hours. Closed dates and weekdays outside the opening hours are
// out of the denominator; busy time outside the opening hours is listed (`busy`) but not counted.

import { mergeSpans, overlapMs, spanOf, clipSpans, type Span } from './intervals.js';
import {
  hourSlots, localDays, localInstantFormatter, openingMinutes, openingWindow, rangeSpan, type HourSlot, type LocalDay, type OpeningMinutes,
} from './local-days.js';
import {
  DEFAULT_OPENING_HOURS,
  type BuildingOccupancy,
  type EstablishmentOccupancy,
  type OpeningHours,
  type PeriodInput,
  type Rates,
  type RoomBusy,
  type RoomOccupancy,
} from './model.js';

export interface OccupancyInput extends PeriodInput {
  openingHours?: OpeningHours;
}

interface OpenDay {
  date: string;
  window: Span;
  /** Aligned with the hour labels: the same opening hours every open day. */
  slots: HourSlot[];
}

/** Busy and open milliseconds: overall, per open day, per hour of the opening hours (arrays aligned). */
interface Tally {
  busyMs: number;
  openMs: number;
  days: { busyMs: number; openMs: number }[];
  hours: { busyMs: number; openMs: number }[];
}

const MS_PER_MINUTE = 60_000;
const minutesOf = (ms: number): number => Math.round(ms / MS_PER_MINUTE);
const rateOf = (busyMs: number, openMs: number): number => (openMs > 0 ? Math.round((busyMs / openMs) * 10_000) / 10_000 : 0);

/** Throws a RangeError naming a bad date, range, zone or opening hours; never reads anything but rooms. */
export function establishmentOccupancy(input: OccupancyInput): EstablishmentOccupancy {
  const openingHours = input.openingHours ?? DEFAULT_OPENING_HOURS;
  const grid = dayGrid(input.from, input.to, input.timeZone, openingHours);
  const { days, opening, hourLabels, range, local } = grid;
  const inRange = new Set(days.map((day) => day.date));
  const closedDates = [...new Set(input.closedDates ?? [])].filter((date) => inRange.has(date)).sort();
  const closed = new Set(closedDates);
  const openDays = grid.openDays.filter((day) => !closed.has(day.date));

  const rooms = [...input.rooms].sort(byBuildingThenCode);
  const busy = rooms.map((room) => mergeSpans(room.busy.map(spanOf)));
  const tallies = busy.map((merged) => tallyOf(merged, openDays, hourLabels.length));
  const rates = (tally: Tally): Rates => ratesOf(tally, openDays, hourLabels);

  const roomOccupancies: RoomOccupancy[] = rooms.map((room, index) => ({
    id: room.id,
    code: room.code,
    name: room.name ?? null,
    building: room.building ?? null,
    capacity: room.capacity ?? null,
    busy: clipSpans(busy[index], range).map((span) => ({ start: local(span.start), end: local(span.end) })),
    ...rates(tallies[index]),
  }));

  const buildings: BuildingOccupancy[] = [...new Set(rooms.map((room) => room.building ?? null))].map((building) => {
    const members = rooms.flatMap((room, index) => ((room.building ?? null) === building ? [index] : []));
    return {
      building,
      roomIds: members.map((index) => rooms[index].id),
      ...rates(sumOf(members.map((index) => tallies[index]), openDays, hourLabels.length)),
    };
  });

  return {
    uai: input.uai,
    timeZone: input.timeZone,
    from: input.from,
    to: input.to,
    openingHours: { start: openingHours.start, end: openingHours.end, weekdays: [...opening.weekdays].sort((a, b) => a - b) },
    closedDates,
    ...rates(sumOf(tallies, openDays, hourLabels.length)),
    rooms: roomOccupancies,
    buildings,
  };
}

/** One collator: `localeCompare` with a locale builds one at each call, which a sort of rooms pays thousands of times. */
const FRENCH = new Intl.Collator('fr');

/** Rooms by building (those with none last), then code, in French collation. */
function byBuildingThenCode(a: RoomBusy, b: RoomBusy): number {
  if ((a.building === undefined) !== (b.building === undefined)) return a.building === undefined ? 1 : -1;
  return FRENCH.compare(a.building ?? '', b.building ?? '') || FRENCH.compare(a.code, b.code) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

interface DayGrid {
  days: LocalDay[];
  opening: OpeningMinutes;
  /** The days of the opening weekdays, closed dates not yet taken out. */
  openDays: OpenDay[];
  hourLabels: string[];
  range: Span;
  local: (epochMs: number) => string;
}

const GRIDS = new Map<string, DayGrid>();
const MAX_GRIDS = 64;

/**
 * The days of a range in a time zone, their opening windows and hours as instants: the same for every
 * establishment of a zone asked for the same week (a région's 300 lycées), so made once (Temporal is not cheap).
 */
function dayGrid(from: string, to: string, timeZone: string, openingHours: OpeningHours): DayGrid {
  const key = JSON.stringify([from, to, timeZone, openingHours]);
  const known = GRIDS.get(key);
  if (known) return known;
  const opening = openingMinutes(openingHours);
  const days = localDays(from, to, timeZone);
  const grid: DayGrid = {
    days,
    opening,
    openDays: days.filter((day) => opening.weekdays.has(day.weekday))
      .map((day) => ({ date: day.date, window: openingWindow(day, opening, timeZone), slots: hourSlots(day, opening, timeZone) })),
    hourLabels: hourSlots(days[0], opening, timeZone).map((slot) => slot.hour),
    range: rangeSpan(days),
    local: localInstantFormatter(days, timeZone),
  };
  if (GRIDS.size >= MAX_GRIDS) GRIDS.delete(GRIDS.keys().next().value!);
  GRIDS.set(key, grid);
  return grid;
}

function tallyOf(merged: readonly Span[], openDays: readonly OpenDay[], hourCount: number): Tally {
  const tally = emptyTally(openDays.length, hourCount);
  openDays.forEach((day, dayIndex) => {
    const busyMs = overlapMs(merged, day.window);
    const openMs = day.window.end - day.window.start;
    tally.busyMs += busyMs;
    tally.openMs += openMs;
    tally.days[dayIndex] = { busyMs, openMs };
    day.slots.forEach((slot, hourIndex) => {
      tally.hours[hourIndex].busyMs += busyMs === 0 ? 0 : overlapMs(merged, slot.span);
      tally.hours[hourIndex].openMs += slot.span.end - slot.span.start;
    });
  });
  return tally;
}

function emptyTally(dayCount: number, hourCount: number): Tally {
  const zeros = (count: number) => Array.from({ length: count }, () => ({ busyMs: 0, openMs: 0 }));
  return { busyMs: 0, openMs: 0, days: zeros(dayCount), hours: zeros(hourCount) };
}

/** The tally of several rooms together: their busy time over their opening time, room by room. */
function sumOf(tallies: readonly Tally[], openDays: readonly OpenDay[], hourCount: number): Tally {
  const sum = emptyTally(openDays.length, hourCount);
  for (const tally of tallies) {
    sum.busyMs += tally.busyMs;
    sum.openMs += tally.openMs;
    tally.days.forEach((day, index) => {
      sum.days[index].busyMs += day.busyMs;
      sum.days[index].openMs += day.openMs;
    });
    tally.hours.forEach((hour, index) => {
      sum.hours[index].busyMs += hour.busyMs;
      sum.hours[index].openMs += hour.openMs;
    });
  }
  return sum;
}

function ratesOf(tally: Tally, openDays: readonly OpenDay[], hourLabels: readonly string[]): Rates {
  return {
    openMinutes: minutesOf(tally.openMs),
    busyMinutes: minutesOf(tally.busyMs),
    rate: rateOf(tally.busyMs, tally.openMs),
    byDay: openDays.map((day, index) => ({
      date: day.date,
      openMinutes: minutesOf(tally.days[index].openMs),
      busyMinutes: minutesOf(tally.days[index].busyMs),
      rate: rateOf(tally.days[index].busyMs, tally.days[index].openMs),
    })),
    byHour: hourLabels.map((hour, index) => ({ hour, rate: rateOf(tally.hours[index].busyMs, tally.hours[index].openMs) })),
  };
}
