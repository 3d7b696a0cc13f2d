// The gate every read of one establishment goes through: in the statement that reads, the establishment is
// joined only if the caller's perimeter covers it (else rows keyed on it are none), with the change-log position
// of the statement's snapshot and the version of the caller's client record (to tell a cached caller is stale).
// One round trip, one snapshot, and nothing about the perimeter cached.
import { sql, type Expression, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import { coversEstablishment } from './visibility.js';
import type { Database, EstablishmentRow } from '../tables.js';

/** Who reads: the client (its record's version tells a stale cached caller) and its perimeter. */
export interface Reader {
  clientId: string;
  perimeter: readonly PerimeterEntry[];
}

/** What a read inside one establishment refers to: the establishment (null outside the perimeter) and the position. */
export interface GateRefs {
  /** The UAI when the caller may see the establishment, else null: rows keyed on it are none. */
  uai: Expression<string | null>;
  /** The change-log position of the statement's snapshot. */
  position: Expression<string>;
}

export interface GatedRows<Row> {
  /** The UAI, or null outside the perimeter (or missing: the two look the same). */
  uai: string | null;
  position: string;
  /** The client record's version as the statement read it (null: the client is gone or revoked). */
  clientVersion: string | null;
  rows: Row[];
}

function gate(db: Kysely<Database>, reader: Reader, uai: string | Expression<string>) {
  return db
    .selectFrom('change_counter')
    // The one row, named: the planner otherwise guesses thousands, and prices what follows as many times.
    .where('change_counter.id', '=', 1)
    .leftJoin('establishment', (join) => join
      .on('establishment.uai', '=', uai)
      .on('establishment.status', '=', 'active')
      .on((eb) => coversEstablishment(eb as never, reader.perimeter)))
    .select([
      'change_counter.seq as position',
      sql<string | null>`(select xmin::text from api_client where client_id = ${reader.clientId} and status = 'active')`.as('clientVersion'),
    ]);
}

/** The establishment if the reader may see it, with the position and the client's version. */
export async function establishmentThroughGate(db: Kysely<Database>, reader: Reader, uai: string): Promise<GatedRows<EstablishmentRow>> {
  const row = await gate(db, reader, uai).selectAll('establishment').executeTakeFirstOrThrow();
  const { position, clientVersion, ...establishment } = row;
  return { uai: row.uai, position, clientVersion, rows: row.uai === null ? [] : [establishment as EstablishmentRow] };
}

/**
 * Rows of one establishment the reader may see, read in the statement that checks the perimeter: `rows` builds
 * the read from the gate's references (rows keyed on `gate.uai`); they come back in `key` order.
 */
export async function readThroughGate<Row extends { key: string }>(
  db: Kysely<Database>,
  reader: Reader,
  /** The establishment, or an expression naming it (the establishment of a record looked up by id). */
  uai: string | Expression<string>,
  rows: (gate: GateRefs) => SelectQueryBuilder<Database, any, Row>,
): Promise<GatedRows<Row>> {
  const gated = gate(db, reader, uai).select('establishment.uai as visibleUai');
  const read = rows({ uai: sql.ref<string | null>('gate.visibleUai'), position: sql.ref<string>('gate.position') });
  const result = await sql<{ position: string; clientVersion: string | null; visibleUai: string | null } & Row>`
    with gate as (${gated})
    select gate.position, gate."clientVersion", gate."visibleUai", page.*
    from gate left join lateral (${read}) as page on true
    order by page.key`.execute(db);
  const [first] = result.rows;
  const found = first.key === null ? [] : result.rows.map(({ position: _p, clientVersion: _v, visibleUai: _u, ...row }) => row as unknown as Row);
  return { uai: first.visibleUai, position: first.position, clientVersion: first.clientVersion, rows: found };
}

/** A gated read of no rows: the gate alone tells whether the caller may see the establishment. */
export function noRows(db: Kysely<Database>) {
  return () => db.selectNoFrom(sql<string | null>`null`.as('key')) as unknown as SelectQueryBuilder<Database, any, { key: string }>;
}
