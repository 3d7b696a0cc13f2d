// A heating plan as iCalendar: one event per zone's comfort period, for a controller or a shared calendar.

import type { HeatingPlan } from '../occupancy/model.js';
import { calendarDocument, ICalEventStatus } from './calendar.js';

export function heatingIcal(plan: HeatingPlan, stamp?: Date): string {
  const events = plan.zones.flatMap((zone) => zone.comfort.map((period) => ({
    // The zone and the start instant name a comfort period for good: regenerating the plan keeps its UIDs.
    uid: `chauffage-${plan.uai}-${encodeURIComponent(zone.zone)}-${new Date(period.start).toISOString()}@passerelle`,
    start: new Date(period.start),
    end: new Date(period.end),
    summary: `Confort – ${zone.zone}`,
    status: ICalEventStatus.CONFIRMED,
    ...(zone.building !== null && { location: zone.building }),
  })));
  return calendarDocument({ name: `Chauffage ${plan.uai}`, timeZone: plan.timeZone, product: 'chauffage', stamp }, events);
}
