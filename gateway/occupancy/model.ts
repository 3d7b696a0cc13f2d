// The occupancy and heating feeds' types: rooms and their busy intervals in, rates and comfort periods out.
// Nothing here names a person: a room is its id, code, name, building and capacity, and a busy interval is
// only a time span (the occurrences that made it, with their groups and teachers, stay behind).

/** A time span, start inclusive, end exclusive. */
export interface Interval {
  start: Date;
  end: Date;
}

/** A room and the intervals during which it is in use (its non-cancelled occurrences), in any order. */
export interface RoomBusy {
  id: string;
  code: string;
  name?: string;
  building?: string;
  capacity?: number;
  /** A heating zone set on the room itself; a configured zone that lists the room's code wins over it. */
  heatingZone?: string;
  /** May overlap or touch (two groups in one room, back-to-back lessons): they are merged before counting. */
  busy: Interval[];
}

/** When the establishment is open: the denominator of every rate. */
export interface OpeningHours {
  /** `HH:MM`, local time. */
  start: string;
  /** `HH:MM`, local time, after `start`; `24:00` for midnight at the end of the day. */
  end: string;
  /** 1 = Monday … 7 = Sunday. */
  weekdays: readonly number[];
}

/** 08:00–18:00, Monday to Friday: a Wednesday afternoon counts as open, like any other. */
export const DEFAULT_OPENING_HOURS: OpeningHours = Object.freeze({
  start: '08:00',
  end: '18:00',
  weekdays: Object.freeze([1, 2, 3, 4, 5]),
});

/** What both computations read: an establishment's rooms over a range of local dates. */
export interface PeriodInput {
  uai: string;
  /** IANA time zone of the establishment (Europe/Paris, America/Cayenne, Indian/Reunion…). */
  timeZone: string;
  /** Inclusive ISO dates (`YYYY-MM-DD`), local to the establishment. */
  from: string;
  to: string;
  rooms: readonly RoomBusy[];
  /** ISO dates with no classes (holidays, public holidays, closures): out of every denominator, never heated. */
  closedDates?: Iterable<string>;
}

/** An interval as the feeds write it: RFC 3339 instants with the establishment's local offset. */
export interface LocalInterval {
  start: string;
  end: string;
}

export interface DayRate {
  date: string;
  openMinutes: number;
  busyMinutes: number;
  rate: number;
}

export interface HourRate {
  /** `HH:00`: the local wall-clock hour (on a DST day it may last 0 or 2 real hours). */
  hour: string;
  rate: number;
}

/** Busy minutes within the opening hours of open days over their opening minutes; rates in [0, 1], 4 decimals. */
export interface Rates {
  openMinutes: number;
  busyMinutes: number;
  rate: number;
  /** One entry per open day of the range. */
  byDay: DayRate[];
  /** One entry per hour of the opening hours, over all open days. */
  byHour: HourRate[];
}

export interface RoomOccupancy extends Rates {
  id: string;
  code: string;
  name: string | null;
  building: string | null;
  capacity: number | null;
  /** Merged, within the range (all of it, not only the opening hours). */
  busy: LocalInterval[];
}

export interface BuildingOccupancy extends Rates {
  /** `null` for the rooms with no building (consumers label it). */
  building: string | null;
  roomIds: string[];
}

export interface EstablishmentOccupancy extends Rates {
  uai: string;
  timeZone: string;
  from: string;
  to: string;
  openingHours: OpeningHours;
  /** The closed dates that fall within the range, sorted. */
  closedDates: string[];
  rooms: RoomOccupancy[];
  buildings: BuildingOccupancy[];
}

export interface HeatingSettings {
  /** Comfort starts this long before a room of the zone is first busy. */
  leadMinutes: number;
  /** And lasts this long after it is last busy. */
  lagMinutes: number;
  /** Two comfort periods of one day closer than this are joined (not worth setting back in between). */
  bridgeMinutes: number;
}

export const DEFAULT_HEATING_SETTINGS: HeatingSettings = Object.freeze({ leadMinutes: 60, lagMinutes: 0, bridgeMinutes: 90 });

export interface HeatingZoneConfig {
  name: string;
  roomCodes: readonly string[];
}

export interface ZonePlan {
  zone: string;
  /** The building of the zone's rooms when they share one, else `null`. */
  building: string | null;
  roomIds: string[];
  comfort: LocalInterval[];
  /** The rest of the range: setback is the default, listed so that a controller need not compute it. */
  setback: LocalInterval[];
}

export interface HeatingPlan {
  uai: string;
  timeZone: string;
  from: string;
  to: string;
  settings: HeatingSettings;
  zones: ZonePlan[];
}
