// The iCalendar documents the gateway writes (RFC 5545), set up once: PRODID, a VTIMEZONE for the
// establishment's zone, events with a UID, a DTSTAMP in UTC and local start and end times (DTSTART;TZID=…).
// ical-generator 10.2 formats a calendar-zoned Date in the *process's* zone and writes DTSTAMP without `Z`
// once the calendar itself has a zone, so the zone is set on each event, with Temporal values in it, and the
// calendar only carries the VTIMEZONE generator (and no X-WR-TIMEZONE, which the library would write after the
// events, where RFC 5545 allows no calendar property). No event repeats, so its UNTIL bug (see packages.md) is moot.

import ical, { ICalEventStatus } from 'ical-generator';
import { Temporal } from 'temporal-polyfill';
import { tzlib_get_ical_block, tzlib_get_timezones } from 'timezones-ical-library';

export { ICalEventStatus };

export interface CalendarHeader {
  /** Shown as the calendar's name (NAME, X-WR-CALNAME). */
  name: string;
  /** IANA time zone the events are written in. */
  timeZone: string;
  /** The PRODID's product (`-//Passerelle//<product>//FR`). */
  product: string;
  /** DTSTAMP of every event; a fixed one keeps the document byte-identical for an unchanged plan (ETag). */
  stamp?: Date;
}

export interface CalendarEvent {
  /** Globally unique and stable across regenerations, so that clients update rather than duplicate. */
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  status: ICalEventStatus;
  location?: string;
  description?: string;
}

/** The document as text (CRLF, folded lines). Throws a RangeError for a zone with no VTIMEZONE to give. */
export function calendarDocument(header: CalendarHeader, events: Iterable<CalendarEvent>): string {
  const vtimezone = vtimezoneOf(header.timeZone);
  const stamp = header.stamp ?? new Date();
  const calendar = ical({
    prodId: { company: 'Passerelle', product: header.product, language: 'FR' },
    name: header.name,
    timezone: { name: null, generator: (zone) => (zone === header.timeZone ? vtimezone : null) },
  });
  const zoned = (instant: Date) => Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(header.timeZone);
  for (const event of events) {
    calendar.createEvent({
      id: event.uid,
      timezone: header.timeZone,
      start: zoned(event.start),
      end: zoned(event.end),
      stamp,
      summary: event.summary,
      status: event.status,
      location: event.location ?? null,
      description: event.description ?? null,
    });
  }
  // Every content line ends with CRLF (RFC 5545 §3.1), the last one too, which the library leaves off.
  return `${calendar.toString()}\r\n`;
}

/**
 * The zone's VTIMEZONE, named as asked: the library answers a linked zone with its target (Indian/Reunion
 * gives Asia/Dubai), and a TZID that no VTIMEZONE names would leave the events' local times unreadable.
 */
function vtimezoneOf(timeZone: string): string {
  const known = tzlib_get_timezones(false);
  const block = Array.isArray(known) && known.includes(timeZone) ? tzlib_get_ical_block(timeZone) : undefined;
  if (!Array.isArray(block) || typeof block[0] !== 'string' || block[0] === '') {
    throw new RangeError(`no VTIMEZONE is known for the time zone ${JSON.stringify(timeZone)}`);
  }
  return block[0].replace(/^(TZID|X-LIC-LOCATION):.*$/gm, `$1:${timeZone}`);
}
