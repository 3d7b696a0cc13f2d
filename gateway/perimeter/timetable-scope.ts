// Occurrences as a caller may see them: listed per establishment (through the gate: 404 outside the perimeter),
// one by id, and the sessions an iCalendar feed shows. Courses and course changes are listed by the records
// feed like every establishment record; occurrences live in a table of their own (store/timetable/).
import { occurrence as OCCURRENCE } from '../model/entities/occurrence.js';
import { readThroughGate } from '../store/reads/gate.js';
import { pageFrom, type ListedRow, type Page, type PageRequest } from '../store/reads/records.js';
import { establishmentOfOccurrence, occurrencePageRead, occurrenceRead, occurrenceTotal, type OccurrenceQuery } from '../store/timetable/reads.js';
import { sessionsOf, type Session } from '../store/timetable/sessions.js';
import { calendarInputs } from '../store/timetable/inputs.js';
import { timeZoneOfPlace } from '../timetable/establishment-timetable.js';
import { internalsOf, notInPerimeter, type ScopedAccess } from './scoped-access.js';

export class TimetableScope {
  /** Built by `ScopedAccess.timetable()`. */
  constructor(private readonly access: ScopedAccess) {}

  /** A page of an establishment's occurrences between two dates, with the filters given. */
  async occurrences(uai: string, query: OccurrenceQuery, request: PageRequest): Promise<Page<ListedRow>> {
    this.access.requireReadable(OCCURRENCE);
    const { gated, db } = internalsOf(this.access);
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
    const { gated, db } = internalsOf(this.access);
    const read = await gated((reader) => readThroughGate(db, reader, establishmentOfOccurrence(id), occurrenceRead(db, id)), `occurrence ${id}`);
    const [row] = read.rows;
    if (!row) throw notInPerimeter(`occurrence ${id}`);
    return row;
  }

  /** The sessions of an establishment an iCalendar feed shows (tombstones left out), with subject names and room codes. */
  async sessions(uai: string, query: OccurrenceQuery): Promise<{ timeZone: string; name: string; sessions: Session[] }> {
    this.access.requireReadable(OCCURRENCE);
    const establishment = await this.access.establishment(uai).read();
    const calendar = (await calendarInputs(internalsOf(this.access).db, [establishment.uai])).get(establishment.uai)!;
    return {
      timeZone: timeZoneOfPlace(calendar),
      name: establishment.name,
      sessions: await sessionsOf(internalsOf(this.access).db, establishment.uai, query),
    };
  }
}
