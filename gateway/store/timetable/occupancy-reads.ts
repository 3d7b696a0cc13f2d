// What occupancy and heating are computed from: rooms (id, code, name, building, capacity, heating zone) and the
// intervals their sessions hold them, for establishments already known to be visible. No person, group or
// teacher is read: only rooms and the start and end of sessions that are not cancelled.
import { sql, type Kysely } from 'kysely';
import type { RoomBusy } from '../../occupancy/model.js';
import type { Database } from '../tables.js';
import { startsAround } from './reads.js';

/** A room as occupancy reads it: its establishment, and what RoomBusy says of it. */
export type RoomRow = Omit<RoomBusy, 'busy'> & { uai: string };

export interface BusyRow {
  roomId: string;
  start: Date;
  end: Date;
}

/** The active rooms of the establishments, by establishment then code. */
export async function roomsOf(db: Kysely<Database>, uais: readonly string[]): Promise<RoomRow[]> {
  if (uais.length === 0) return [];
  const rows = await db.selectFrom('roster_record').select(['uai', 'id', 'data'])
    .where('entity', '=', 'room').where('status', '=', 'active').where('uai', 'in', [...uais])
    .orderBy('uai').orderBy(sql`data->>'code'`).execute();
  return rows.map((row) => {
    const data = row.data as Omit<RoomRow, 'uai' | 'id'>;
    return {
      uai: row.uai, id: row.id, code: data.code,
      ...(data.name !== undefined ? { name: data.name } : {}),
      ...(data.building !== undefined ? { building: data.building } : {}),
      ...(data.capacity !== undefined ? { capacity: data.capacity } : {}),
      ...(data.heatingZone !== undefined ? { heatingZone: data.heatingZone } : {}),
    };
  });
}

/** Above this many establishments, the statement is planned without JIT compilation (measured: a third of a région's read). */
const JIT_FREE_FROM = 20;

/** The busy intervals of every room of the establishments, sessions of local dates `from` to `to`, cancelled ones left out. */
export async function busyIntervals(db: Kysely<Database>, uais: readonly string[], from: string, to: string): Promise<BusyRow[]> {
  if (uais.length === 0) return [];
  // Instants as epoch milliseconds: parsing a timestamp text into a Date costs more than the rest of a row.
  const read = (q: Kysely<Database>) => sql<{ room_id: string; start_ms: string; end_ms: string }>`
    select r.room_id, (extract(epoch from o.starts_at) * 1000)::int8 as start_ms, (extract(epoch from o.ends_at) * 1000)::int8 as end_ms
    from occurrence o cross join lateral unnest(o.room_ids) as r(room_id)
    where o.uai = any(${[...uais]}::text[]) and o.date between ${from}::date and ${to}::date and ${startsAround(from, to)}
      and o.state = 'active' and o.status <> 'cancelled'`.execute(q);
  const { rows } = uais.length < JIT_FREE_FROM ? await read(db) : await db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return read(trx);
  });
  return rows.map((row) => ({ roomId: row.room_id, start: new Date(Number(row.start_ms)), end: new Date(Number(row.end_ms)) }));
}
