// The school holidays Passerelle ships (shipped-holidays.json, built by tools/ship-holidays.ts from the national
// dataset), for establishments whose calendar no import has given yet.
import type { DatePeriod } from '../model.js';
import type { ShippedHolidaysFile, ShippedSchoolYear } from './ship-holidays.js';
import type { HolidayZone } from './zones.js';
import file from './shipped-holidays.json' with { type: 'json' };

const SHIPPED = file as ShippedHolidaysFile;

/** A zone's school year as shipped (periods, first and last day of classes), or undefined when not shipped. */
export function shippedSchoolYear(zone: HolidayZone, schoolYear: string): ShippedSchoolYear | undefined {
  return SHIPPED.zones[zone]?.[schoolYear];
}

/** A zone's holidays in a school year (`2026-2027`), inclusive dates, or undefined when not shipped. */
export function shippedHolidays(zone: HolidayZone, schoolYear: string): DatePeriod[] | undefined {
  return shippedSchoolYear(zone, schoolYear)?.periods;
}
