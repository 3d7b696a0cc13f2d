// Heating plans derived from occupancy: per zone, comfort from `leadMinutes` before its rooms are busy to
// `lagMinutes` after, short gaps bridged, each day on its own (a period never crosses local midnight), nothing
// on closed dates; setback everywhere else in the range, listed too.

import { bridgeGaps, clipSpans, complementSpans, mergeSpans, spanOf, type Span } from './intervals.js';
import { localDays, localInstantFormatter, rangeSpan, type LocalDay } from './local-days.js';
import {
  DEFAULT_HEATING_SETTINGS,
  type HeatingPlan,
  type HeatingSettings,
  type HeatingZoneConfig,
  type PeriodInput,
  type RoomBusy,
  type ZonePlan,
} from './model.js';

export interface HeatingInput extends PeriodInput {
  /** Zones by room code; without them, one zone per building. */
  zones?: readonly HeatingZoneConfig[];
  settings?: Partial<HeatingSettings>;
}

/** The zone of the rooms with no building, no zone of their own and none configured. */
export const NO_BUILDING_ZONE = 'sans-batiment';

const MS_PER_MINUTE = 60_000;
const MAX_SETTING_MINUTES = 24 * 60;

/** Throws a RangeError naming a bad date, range, zone or setting; never reads anything but rooms. */
export function heatingPlan(input: HeatingInput): HeatingPlan {
  const settings = settingsOf(input.settings);
  const days = localDays(input.from, input.to, input.timeZone);
  const closed = new Set(input.closedDates ?? []);
  const heatedDays = days.filter((day) => !closed.has(day.date));
  const range = rangeSpan(days);
  const format = localInstantFormatter(days, input.timeZone);
  const local = (span: Span) => ({ start: format(span.start), end: format(span.end) });

  const zones: ZonePlan[] = zonesOf(input.rooms, input.zones ?? []).map(({ zone, rooms }) => {
    const busy = mergeSpans(rooms.flatMap((room) => room.busy.map(spanOf)));
    const comfort = heatedDays.flatMap((day) => comfortOfDay(busy, day, settings));
    const buildings = new Set(rooms.map((room) => room.building ?? null));
    return {
      zone,
      building: buildings.size === 1 ? [...buildings][0] : null,
      roomIds: rooms.map((room) => room.id),
      comfort: comfort.map(local),
      setback: complementSpans(comfort, range).map(local),
    };
  });
  return { uai: input.uai, timeZone: input.timeZone, from: input.from, to: input.to, settings, zones };
}

function settingsOf(given: Partial<HeatingSettings> | undefined): HeatingSettings {
  const settings = { ...DEFAULT_HEATING_SETTINGS };
  for (const key of Object.keys(DEFAULT_HEATING_SETTINGS) as (keyof HeatingSettings)[]) {
    const value = given?.[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0 || value > MAX_SETTING_MINUTES) {
      throw new RangeError(`settings.${key} must be a number of minutes from 0 to ${MAX_SETTING_MINUTES}, got ${value}`);
    }
    settings[key] = value;
  }
  return settings;
}

/** The day's comfort periods: busy time widened by lead and lag, gaps under the bridge filled, within the day. */
function comfortOfDay(busy: readonly Span[], day: LocalDay, settings: HeatingSettings): Span[] {
  const widened = clipSpans(busy, day.span).map((span) => ({
    start: Math.max(day.span.start, span.start - settings.leadMinutes * MS_PER_MINUTE),
    end: Math.min(day.span.end, span.end + settings.lagMinutes * MS_PER_MINUTE),
  }));
  return bridgeGaps(mergeSpans(widened), settings.bridgeMinutes * MS_PER_MINUTE);
}

/**
 * Each room's zones: the configured zones that list its code, else its own `heatingZone`, else its building,
 * else `sans-batiment`. Configured zones come first, in their order (even when empty), then the others by name.
 */
function zonesOf(rooms: readonly RoomBusy[], configured: readonly HeatingZoneConfig[]): { zone: string; rooms: RoomBusy[] }[] {
  const members = new Map<string, RoomBusy[]>(configured.map((zone) => [zone.name, []]));
  const configuredCodes = new Set(configured.flatMap((zone) => zone.roomCodes));
  const join = (zone: string, room: RoomBusy) => {
    const list = members.get(zone);
    if (list === undefined) members.set(zone, [room]);
    else list.push(room);
  };
  for (const room of rooms) {
    if (configuredCodes.has(room.code)) {
      for (const zone of configured) if (zone.roomCodes.includes(room.code)) join(zone.name, room);
    } else {
      join(room.heatingZone ?? room.building ?? NO_BUILDING_ZONE, room);
    }
  }
  const configuredNames = new Set(configured.map((zone) => zone.name));
  const others = [...members.keys()].filter((zone) => !configuredNames.has(zone)).sort(byNameNoBuildingLast);
  return [...configuredNames, ...others].map((zone) => ({ zone, rooms: members.get(zone) ?? [] }));
}

function byNameNoBuildingLast(a: string, b: string): number {
  if ((a === NO_BUILDING_ZONE) !== (b === NO_BUILDING_ZONE)) return a === NO_BUILDING_ZONE ? 1 : -1;
  return a.localeCompare(b, 'fr');
}
