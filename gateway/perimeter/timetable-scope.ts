// Occurrences as a caller may see them: listed per establishment (through the gate: 404 outside the perimeter),
// one by id, and the sessions an iCalendar feed shows. Courses and course changes are listed by the records
// feed like every establishment record; occurrences live in a table of their own (store/timetable/).
import { occurrence as OCCURRENCE } from '../model/entities/occurrence.js';
import { entityNamed } from '../model/registry.js';
import {
  calendarSubscriptionsOf, createCalendarSubscription, revokeCalendarSubscription, type CalendarSubscriptionRow, type CalendarTarget,
} from '../store/calendar-subscriptions.js';
import { readThroughGate } from '../store/reads/gate.js';
import { pageFrom, type ListedRow, type Page, type PageRequest } from '../store/reads/records.js';
import { establishmentOfOccurrence, occurrencePageRead, occurrenceRead, occurrenceTotal, type OccurrenceQuery } from '../store/timetable/reads.js';
import { sessionsOf, type Session } from '../store/timetable/sessions.js';
import { placeOf } from '../store/timetable/inputs.js';
import { timeZoneOfPlace } from '../timetable/establishment-timetable.js';
import { internalsOf, notInPerimeter, type ScopedAccess } from './scoped-access.js';

export interface CalendarTargetRef {
  target: CalendarTarget;
  id: string;
}

const TARGET_ENTITY: Record<CalendarTarget, string> = { group: 'group', person: 'person', room: 'room' };

export class TimetableScope {
  /** Built by `ScopedAccess.timetable()`. */
  constructor(private readonly access: ScopedAccess) {}

  /** A page of an establishment's occurrences between two dates, with the filters given. */
  async occurrences(uai: string, query: OccurrenceQuery, request: PageRequest): Promise<Page<ListedRow>> {
    this.access.requireReadable(OCCURRENCE);
    const { gated, reading } = internalsOf(this.access);
    const db = await reading(request.asOf);
    const read = await gated((reader) => {
      this.access.requireReadable(OCCURRENCE);
      return readThroughGate(db, reader, uai, occurrencePageRead(db, query, request));
    }, `establishment ${uai}`);
    const asOf = request.asOf ?? BigInt(read.position);
    const total = request.withTotal ? await occurrenceTotal(db, read.uai, asOf, query, request) : undefined;
    return pageFrom(read.rows, request, asOf, total, 'full');
  }

  /** One occurrence by id (a tombstone too), wherever in the perimeter; 404 outside it, as missing. */
  async occurrence(id: string): Promise<ListedRow> {
    this.access.requireReadable(OCCURRENCE);
    const { gated, reading } = internalsOf(this.access);
    const db = await reading();
    const read = await gated((reader) => readThroughGate(db, reader, establishmentOfOccurrence(id), occurrenceRead(db, id)), `occurrence ${id}`);
    const [row] = read.rows;
    if (!row) throw notInPerimeter(`occurrence ${id}`);
    return row;
  }

  /**
   * A subscription URL's record for a group, person or room of the establishment; 404 (as missing) when the
   * caller may not see the establishment or the target is not one of its records.
   */
  async subscribe(uai: string, target: CalendarTargetRef): Promise<CalendarSubscriptionRow> {
    this.access.requireReadable(OCCURRENCE);
    const establishment = await this.access.establishment(uai).readForWrite();
    await this.#requireTarget(establishment.uai, target);
    return createCalendarSubscription(internalsOf(this.access).db, { clientId: this.access.caller.clientId, uai: establishment.uai, target: target.target, targetId: target.id });
  }

  /** The caller's own subscriptions. */
  subscriptions(): Promise<CalendarSubscriptionRow[]> {
    this.access.requireReadable(OCCURRENCE);
    return calendarSubscriptionsOf(internalsOf(this.access).db, this.access.caller.clientId);
  }

  /** Revokes one of the caller's subscriptions (404 for another's, as for a missing one). */
  async revoke(id: string): Promise<void> {
    this.access.requireReadable(OCCURRENCE);
    if (!(await revokeCalendarSubscription(internalsOf(this.access).db, this.access.caller.clientId, id))) throw notInPerimeter(`calendar subscription ${id}`);
  }

  async #requireTarget(uai: string, target: CalendarTargetRef): Promise<void> {
    const found = await this.access.perimeterScope().targetEstablishment(entityNamed(TARGET_ENTITY[target.target]), target.id);
    if (found !== uai) throw notInPerimeter(`${target.target} ${target.id}`);
  }

  /** The sessions of an establishment an iCalendar feed shows (tombstones left out), with subject names and room codes. */
  async sessions(uai: string, query: OccurrenceQuery): Promise<{ timeZone: string; name: string; sessions: Session[] }> {
    this.access.requireReadable(OCCURRENCE);
    const establishment = await this.access.establishment(uai).read();
    return {
      timeZone: timeZoneOfPlace(placeOf(establishment)),
      name: establishment.name,
      sessions: await sessionsOf(await internalsOf(this.access).reading(), establishment.uai, query),
    };
  }
}
