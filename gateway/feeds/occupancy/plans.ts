// What the occupancy and heating feeds compute from an establishment's rooms and busy intervals: its occupancy
// rates and its heating plan, its closed days (holidays, public holidays, closures) taken out.
import type { Request } from 'express';
import { queryInteger } from '../../http/query.js';
import { heatingPlan } from '../../occupancy/heating.js';
import { DEFAULT_HEATING_SETTINGS, type HeatingSettings } from '../../occupancy/model.js';
import { establishmentOccupancy } from '../../occupancy/rates.js';
import type { OccupancySource } from '../../perimeter/occupancy-scope.js';
import { closedDatesBetween } from '../../timetable/establishment-timetable.js';

export function occupancyOf(source: OccupancySource, from: string, to: string) {
  return establishmentOccupancy({
    uai: source.uai, timeZone: source.timeZone, from, to, rooms: source.rooms, closedDates: closedDatesBetween(source.calendar, from, to),
  });
}

/** The heating settings the request gives (minutes), else the defaults. */
export function heatingSettings(req: Request): HeatingSettings {
  return {
    leadMinutes: queryInteger(req, 'lead', DEFAULT_HEATING_SETTINGS.leadMinutes),
    lagMinutes: queryInteger(req, 'lag', DEFAULT_HEATING_SETTINGS.lagMinutes),
    bridgeMinutes: queryInteger(req, 'bridge', DEFAULT_HEATING_SETTINGS.bridgeMinutes),
  };
}

export function planOf(source: OccupancySource, from: string, to: string, settings: HeatingSettings) {
  return heatingPlan({
    uai: source.uai, timeZone: source.timeZone, from, to, rooms: source.rooms, settings, closedDates: closedDatesBetween(source.calendar, from, to),
  });
}
