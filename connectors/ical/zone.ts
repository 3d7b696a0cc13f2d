// iCalendar times → the establishment's local date and time. A time is UTC (`…Z`), in a TZID (an IANA id such
// as Europe/Paris, sometimes written with a leading `/` or a vendor prefix; else the zone an embedded VTIMEZONE
// defines; else Windows' name for Paris), or floating (the establishment's own local time). The establishment's
// zone is X-WR-TIMEZONE, else the first IANA TZID of an event, else Europe/Paris.
import ICAL from 'ical.js';
import { Temporal } from 'temporal-polyfill';

export const DEFAULT_ZONE = 'Europe/Paris';

/** Windows zone names that French exports (Outlook, Exchange) use for metropolitan France and its neighbours. */
const WINDOWS_ZONES: Record<string, string> = { 'Romance Standard Time': 'Europe/Paris', 'W. Europe Standard Time': 'Europe/Paris' };

/** The IANA zone a TZID names, or undefined. */
export function ianaZone(tzid: string | undefined): string | undefined {
  if (!tzid) return undefined;
  const candidates = [tzid.trim(), tzid.trim().replace(/^\/+/, ''), /([A-Za-z]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?)$/.exec(tzid.trim())?.[1]];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      return Temporal.PlainDate.from('2026-01-01').toZonedDateTime(candidate).timeZoneId;
    } catch {
      // Not an IANA id: try the next reading.
    }
  }
  return WINDOWS_ZONES[tzid.trim()];
}

export type LocalResult = { at: Temporal.ZonedDateTime; unknownZone?: string };

/** Converts event times to the establishment's zone, knowing the VTIMEZONEs of the file. */
export class Clock {
  private readonly vtimezones = new Map<string, ICAL.Timezone>();

  constructor(readonly zone: string, calendars: ICAL.Component[]) {
    for (const component of calendars.flatMap((c) => c.getAllSubcomponents('vtimezone'))) {
      const tzid = component.getFirstPropertyValue('tzid');
      if (typeof tzid === 'string') this.vtimezones.set(tzid, new ICAL.Timezone(component));
    }
  }

  /** The establishment's zone of a file: X-WR-TIMEZONE, else the TZID of its first event's start, when IANA. */
  static zoneOf(calendars: ICAL.Component[], firstTzid: string | undefined): string {
    for (const calendar of calendars) {
      const declared = ianaZone(calendar.getFirstPropertyValue('x-wr-timezone')?.toString());
      if (declared) return declared;
    }
    return ianaZone(firstTzid) ?? DEFAULT_ZONE;
  }

  /** A time as an ical.js Time gives it (its wall-clock fields) with the TZID its property names. */
  local(time: ICAL.Time, tzid: string | undefined): LocalResult {
    const wall = Temporal.PlainDateTime.from({ year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second });
    if (time.zone?.tzid === 'UTC' || time.zone === ICAL.Timezone.utcTimezone) {
      return { at: wall.toZonedDateTime('UTC').withTimeZone(this.zone) };
    }
    if (!tzid) return { at: wall.toZonedDateTime(this.zone) };
    const iana = ianaZone(tzid);
    if (iana) return { at: wall.toZonedDateTime(iana).withTimeZone(this.zone) };
    const vtimezone = this.vtimezones.get(tzid);
    if (vtimezone) {
      const offsetSeconds = vtimezone.utcOffset(time);
      const instant = Temporal.Instant.fromEpochMilliseconds(wall.toZonedDateTime('UTC').epochMilliseconds - offsetSeconds * 1000);
      return { at: instant.toZonedDateTimeISO(this.zone) };
    }
    return { at: wall.toZonedDateTime(this.zone), unknownZone: tzid };
  }
}
