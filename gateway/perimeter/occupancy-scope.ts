// Rooms and their busy intervals as a caller may see them: for one establishment (404 outside the perimeter,
// as missing) or for every establishment of the perimeter at once (a région's lycées). Nothing personal is read:
// rooms and the spans of sessions that are not cancelled, and what decides the establishment's school days.
import type { Scope } from '../auth/scopes.js';
import type { RoomBusy } from '../occupancy/model.js';
import { establishmentsCoveredBy } from '../store/reads/visibility.js';
import { committedSequence } from '../store/changelog.js';
import { changedDays, type ChangedDays } from '../store/timetable/heating-changes.js';
import { calendarInputsOf, PLACE_COLUMNS, type PlacedEstablishment } from '../store/timetable/inputs.js';
import { busyIntervals, roomsOf } from '../store/timetable/occupancy-reads.js';
import { timeZoneOfPlace } from '../timetable/establishment-timetable.js';
import type { CalendarInputs } from '../timetable/inputs.js';
import { internalsOf, type ScopedAccess } from './scoped-access.js';

/** Who may read occupancy: local authorities (occupancy.read) and timetable clients. */
export const OCCUPANCY_SCOPES: readonly Scope[] = ['occupancy.read', 'timetable.read'];

export interface OccupancySource {
  uai: string;
  name: string;
  type: string;
  timeZone: string;
  calendar: CalendarInputs;
  rooms: RoomBusy[];
}

/** At most this many establishments in one perimeter-wide answer (a région has about 300 lycées). */
export const PERIMETER_OCCUPANCY_LIMIT = 2000;

export class OccupancyScope {
  /** Built by `ScopedAccess.occupancy()`. */
  constructor(private readonly access: ScopedAccess) {}

  async establishment(uai: string, from: string, to: string): Promise<OccupancySource> {
    this.access.requireScopes(OCCUPANCY_SCOPES);
    const [source] = await this.#sources([await this.access.establishment(uai).read()], from, to);
    return source;
  }

  /** Every establishment the perimeter covers (of one type, if given), by UAI. */
  async perimeter(from: string, to: string, type?: string): Promise<OccupancySource[]> {
    this.access.requireScopes(OCCUPANCY_SCOPES);
    await this.access.fresh();
    let query = establishmentsCoveredBy(await internalsOf(this.access).reading(), this.access.perimeter)
      .select([...PLACE_COLUMNS.map((column) => `establishment.${column}` as const), 'establishment.name', 'establishment.type'])
      .orderBy('establishment.uai');
    if (type) query = query.where('establishment.type', '=', type);
    return this.#sources(await query.limit(PERIMETER_OCCUPANCY_LIMIT).execute(), from, to);
  }

  /** The days whose sessions changed after `after` (no position: from now on), in the perimeter. */
  async changedDays(after: bigint | undefined, limit: number): Promise<ChangedDays> {
    this.access.requireScopes(OCCUPANCY_SCOPES);
    await this.access.fresh();
    const db = await internalsOf(this.access).reading(after);
    if (after === undefined) return { days: [], position: await committedSequence(db), hasMore: false };
    return changedDays(db, this.access.perimeter, after, limit);
  }


  async #sources(establishments: (PlacedEstablishment & { name: string; type: string })[], from: string, to: string): Promise<OccupancySource[]> {
    const db = await internalsOf(this.access).reading();
    const uais = establishments.map((e) => e.uai);
    const [calendars, rooms, busy] = await Promise.all([calendarInputsOf(db, establishments), roomsOf(db, uais), busyIntervals(db, uais, from, to)]);
    const byRoom = new Map<string, RoomBusy>();
    const roomsByUai = new Map<string, RoomBusy[]>();
    for (const { uai, ...room } of rooms) {
      const withBusy: RoomBusy = { ...room, busy: [] };
      byRoom.set(room.id, withBusy);
      roomsByUai.set(uai, [...(roomsByUai.get(uai) ?? []), withBusy]);
    }
    for (const interval of busy) byRoom.get(interval.roomId)?.busy.push({ start: interval.start, end: interval.end });
    return establishments.flatMap((e) => {
      const calendar = calendars.get(e.uai);
      if (!calendar) return [];
      return [{
        uai: e.uai, name: e.name, type: e.type, timeZone: timeZoneOfPlace(calendar.place),
        calendar, rooms: roomsByUai.get(e.uai) ?? [],
      }];
    });
  }
}
