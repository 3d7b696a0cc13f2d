// The one place records are written, whatever their entity: establishments, their records, and records of a
// territory or of the nation. Each row is staged, rendered, then copied to its entity's table with the next
// sequence numbers and announced in the change log, in the caller's transaction. Planning (what to write, and
// whether it may be) is the callers'; this is the part they share.
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { EntityDescriptor } from '../../model/registry.js';
import { reserveSequence } from '../changelog.js';
import { jsonForPostgres, minimalParts, renderedInDatabase } from '../record-shape.js';
import type { Database } from '../tables.js';

/** Who a record belongs to: an establishment (by UAI), a territory (`zone:A`, `region:84`) or the nation. */
export type Owner = { uai: string } | { territory: string };

export const NATION: Owner = { territory: 'national' };

export interface RowToWrite {
  entity: EntityDescriptor;
  owner: Owner;
  id: string;
  /** No stored row has this id yet: a plain insert (cheaper than an upsert's speculative insertion). */
  created: boolean;
  deleted: boolean;
  sourceIds: Record<string, string>;
  /** The record's own fields; a tombstone keeps them stored, and shows only its envelope. */
  data: Record<string, unknown>;
}

/** The owner as a member of the rendered record. */
const OWNER_MEMBER = sql<string>`case when r.uai is not null then '"uai":' || to_json(r.uai)::text else '"territory":' || to_json(r.territory)::text end`;

/** Rows go to the database in chunks of this many, each one JSON document. */
const CHUNK = 5000;

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const uaiOf = (owner: Owner) => ('uai' in owner ? owner.uai : null);
const territoryOf = (owner: Owner) => ('territory' in owner ? owner.territory : null);

/**
 * Writes the rows (at least one) in the transaction and returns the first sequence number they took (the rows
 * take consecutive ones, in order). Everything that carries no sequence number is prepared before the counter
 * is taken: from then on, every other writer waits for this transaction to commit.
 */
export async function writeRows(trx: Transaction<Database>, rows: RowToWrite[], at = new Date()): Promise<bigint> {
  await sql`
    create temporary table if not exists staged_record (
      position int not null, created boolean not null, id uuid not null, entity text not null, uai text, territory text,
      status text not null, source_ids jsonb not null, data jsonb not null, body text not null, body_minimal text
    ) on commit drop`.execute(trx);
  // Rows go as one JSON document per chunk, unpacked by json_to_recordset: the statement's text and plan stay
  // the same whatever the number of rows, and one JSON text is cheaper to build and to parse than a multi-row
  // VALUES list or per-column arrays (measured: about a third faster than unnest).
  for (const chunk of chunks(rows.map((row, position) => ({ row, position })), CHUNK)) {
    const json = jsonForPostgres(chunk.map(({ row, position }) => {
      // A tombstone's renderings hold its envelope only (shown_data); its stored data stays.
      const minimal = minimalParts(row.entity, row.sourceIds, row.deleted ? {} : row.data);
      return {
        position,
        created: row.created,
        id: row.id,
        entity: row.entity.name,
        uai: uaiOf(row.owner),
        territory: territoryOf(row.owner),
        status: row.deleted ? 'deleted' : 'active',
        source_ids: row.sourceIds,
        data: row.data,
        shown_data: row.deleted ? {} : null,
        minimal_source_ids: minimal?.sourceIds ?? null,
        minimal_data: minimal?.data ?? null,
      };
    }));
    const rendered = (sourceIds: RawBuilder<unknown>, data: RawBuilder<unknown>) =>
      renderedInDatabase({ id: sql`r.id`, owner: OWNER_MEMBER, status: sql`r.status`, updatedAt: at, sourceIds, data });
    await sql`
      insert into staged_record
      select r.position, r.created, r.id, r.entity, r.uai, r.territory, r.status, r.source_ids::jsonb, r.data::jsonb,
        ${rendered(sql`r.source_ids`, sql`coalesce(r.shown_data, r.data)`)},
        case when r.minimal_data is null then null else ${rendered(sql`r.minimal_source_ids`, sql`r.minimal_data`)} end
      from json_to_recordset(${json}::json)
        as r(position int, created boolean, id uuid, entity text, uai text, territory text, status text, source_ids json,
          data json, shown_data json, minimal_source_ids json, minimal_data json)`.execute(trx);
  }
  // A new record's keys are new (planning matched every stored one, under the owner's lock): plain inserts, at
  // about half the cost of ON CONFLICT's speculative insertion, which only a stored record's keys need (it may
  // bring one more source). Keys are an establishment's: territory and nation records are matched by id.
  for (const created of [true, false]) {
    await sql`
      insert into source_key (uai, entity, source, source_id, record_id)
      select r.uai, r.entity, k.key, k.value, r.id from staged_record r, jsonb_each_text(r.source_ids) k
      where r.created = ${created} and r.uai is not null
      ${created ? sql`` : sql`on conflict do nothing`}`.execute(trx);
  }

  // The counter is taken last: it serialises all writers until this transaction commits.
  const first = await reserveSequence(trx, rows.length);
  const tables = new Map<string, EntityDescriptor[]>();
  for (const row of rows) {
    const sharing = tables.get(row.entity.storage.table) ?? [];
    if (!sharing.includes(row.entity)) tables.set(row.entity.storage.table, [...sharing, row.entity]);
  }
  for (const [table, tableEntities] of tables) await copyStaged(trx, table, tableEntities, first, at);
  await sql`
    insert into change_log (seq, entity, record_id, uai, territory, op, changed_at)
    select ${String(first)}::int8 + position, entity, id, uai, territory, case status when 'deleted' then 'delete' else 'upsert' end, ${at}::timestamptz
    from staged_record`.execute(trx);
  await sql`truncate staged_record`.execute(trx);
  return first;
}

/** Copies the staged rows of `tableEntities` into their table, new records by plain insert, stored ones by upsert. */
async function copyStaged(trx: Transaction<Database>, table: string, tableEntities: EntityDescriptor[], first: bigint, at: Date): Promise<void> {
  const { storage } = tableEntities[0];
  const owner = tableEntities[0].belongsTo === 'establishment' ? 'uai' : 'territory';
  // Columns the feeds filter on, copied from the data (an entity's kind, an establishment's territory codes):
  // entities that share a table may fill a column from different fields (a person's kind, a membership's role).
  const mapped = [...new Set(tableEntities.flatMap((e) => Object.keys(e.storage.columns)))].map((column) => {
    const filling = tableEntities.filter((e) => e.storage.columns[column] !== undefined);
    const value = storage.shared
      ? sql`case entity ${sql.join(filling.map((e) => sql`when ${e.name} then data->>${e.storage.columns[column]}`), sql` `)} end`
      : sql`data->>${filling[0].storage.columns[column]}`;
    return [column, value] as const;
  });
  const columns = [
    'id', ...(storage.shared ? ['entity'] : []), owner, ...mapped.map(([column]) => column),
    'status', 'source_ids', 'data', 'body', 'body_minimal', 'updated_at', 'seq',
  ];
  const values = [
    sql`id`, ...(storage.shared ? [sql`entity`] : []), sql.ref(owner), ...mapped.map(([, value]) => value),
    sql`status`, sql`source_ids`, sql`data`, sql`body`, sql`body_minimal`, sql`${at}::timestamptz`, sql`${String(first)}::int8 + position`,
  ];
  const updated = columns.filter((c) => c !== 'id' && c !== storage.conflict);
  const names = tableEntities.map((e) => e.name);
  for (const created of [true, false]) {
    await sql`
      insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
      select ${sql.join(values)} from staged_record where created = ${created} and entity = any(${names}::text[]) order by id
      ${created ? sql`` : sql`on conflict (${sql.ref(storage.conflict)}) do update set ${sql.join(updated.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}`}`.execute(trx);
  }
}
