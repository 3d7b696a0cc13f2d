// From materialised occurrences to the rooms' busy intervals: the only step that sees occurrences, and the
// one that drops everything about them but their time and rooms (no groups, teachers or subjects go further).

import type { Occurrence } from '../timetable/model.js';
import type { Interval, RoomBusy } from './model.js';

/** A room as stored (nullable fields as the store gives them). */
export interface RoomRecord {
  id: string;
  code: string;
  name?: string | null;
  building?: string | null;
  capacity?: number | null;
  heatingZone?: string | null;
}

export type OccurrenceTimes = Pick<Occurrence, 'roomIds' | 'startsAt' | 'endsAt' | 'status'>;

/** Each room with the intervals of its non-cancelled occurrences (occurrences of unknown rooms are ignored). */
export function roomsBusy(rooms: readonly RoomRecord[], occurrences: Iterable<OccurrenceTimes>): RoomBusy[] {
  const busyById = new Map<string, Interval[]>(rooms.map((room) => [room.id, []]));
  for (const occurrence of occurrences) {
    if (occurrence.status === 'cancelled') continue;
    for (const roomId of new Set(occurrence.roomIds)) {
      busyById.get(roomId)?.push({ start: occurrence.startsAt, end: occurrence.endsAt });
    }
  }
  // Field by field, never a spread: a wider record must not carry more than a room into the feeds.
  return rooms.map((room) => ({
    id: room.id,
    code: room.code,
    ...(room.name != null && { name: room.name }),
    ...(room.building != null && { building: room.building }),
    ...(room.capacity != null && { capacity: room.capacity }),
    ...(room.heatingZone != null && { heatingZone: room.heatingZone }),
    busy: busyById.get(room.id) ?? [],
  }));
}
