// Timetable occurrences as iCalendar: one event per session, a cancelled one kept (STATUS:CANCELLED) so that a
// subscribed calendar shows it struck out instead of silently dropping it.

import type { OccurrenceStatus } from '../timetable/model.js';
import { calendarDocument, ICalEventStatus } from './calendar.js';

export interface CalendarOccurrence {
  id: string;
  startsAt: Date;
  endsAt: Date;
  status: OccurrenceStatus;
  summary: string;
  location?: string;
  description?: string;
}

export interface OccurrencesCalendar {
  name: string;
  timeZone: string;
  occurrences: Iterable<CalendarOccurrence>;
  stamp?: Date;
}

const CANCELLED_PREFIX = 'Annulé : ';

export function occurrencesIcal({ name, timeZone, occurrences, stamp }: OccurrencesCalendar): string {
  const events = [...occurrences].map((occurrence) => {
    const cancelled = occurrence.status === 'cancelled';
    return {
      uid: `${occurrence.id}@passerelle`,
      start: occurrence.startsAt,
      end: occurrence.endsAt,
      summary: cancelled ? CANCELLED_PREFIX + occurrence.summary : occurrence.summary,
      status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      location: occurrence.location,
      description: occurrence.description,
    };
  });
  return calendarDocument({ name, timeZone, product: 'emploi-du-temps', stamp }, events);
}
