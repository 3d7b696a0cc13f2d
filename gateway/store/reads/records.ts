// Reads of an entity's records, built from its descriptor: keyset pages over one establishment's records (read
// through the gate, so outside the perimeter nothing is), one record by id, source id or INE, and the
// establishments a perimeter covers. Each read selects the rendering its projection names.
import { sql, type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { ListingFilter } from '../../model/entities/descriptor.js';
import { entityNamed, type EntityDescriptor } from '../../model/registry.js';
import type { PerimeterEntry } from '../../perimeter/perimeter.js';
import type { Projection } from '../../perimeter/projection.js';
import { establishmentsCoveredBy } from './visibility.js';
import { committedSequence } from '../changelog.js';
import { renderedRecord } from '../record-shape.js';
import type { Database } from '../tables.js';
import type { GateRefs } from './gate.js';

export interface PageRequest {
  limit: number;
  /** Key of the last row of the previous page. */
  after: string | undefined;
  /**
   * Change-log position the listing is read at (rows changed later are left to the change feed); a first page
   * has none yet, and is read at the position of its own statement.
   */
  asOf: bigint | undefined;
  includeDeleted: boolean;
  updatedSince: Date | undefined;
  withTotal: boolean;
}

/** A listed record: its paging key, its version, and the record as JSON text ready for the response. */
export interface ListedRow {
  key: string;
  seq: string;
  record: string;
}

export interface Page<Row> {
  rows: Row[];
  hasMore: boolean;
  total: number | undefined;
  /** The position the page was read at: the next pages' and the change feed's. */
  asOf: bigint;
  /** What the projection left out (perimeter/projection.ts `projectionLabel`): two callers' pages differ by it. */
  rendering: string;
}

/** The first `limit` rows read (one more was read to tell whether there are more). */
export function pageFrom(rows: ListedRow[], request: PageRequest, asOf: bigint, total: number | undefined, rendering: string): Page<ListedRow> {
  return { rows: rows.slice(0, request.limit), hasMore: rows.length > request.limit, total, asOf, rendering };
}

/** The values of a listing's filters (its descriptor's), by parameter name. */
export type FilterValues = Readonly<Record<string, string | undefined>>;

/** Look-ups every listing of establishment records has, on top of its descriptor's filters. */
export interface Lookup {
  sourceId?: { source: string; id: string };
  ine?: string;
}

type Filtered = SelectQueryBuilder<Database, any, object>;

/** The records of an entity in the gated establishment, with the descriptor's filters applied. */
function filteredRecords(
  db: Kysely<Database>, entity: EntityDescriptor, gate: GateRefs, asOf: Expression<string> | string, request: PageRequest, values: FilterValues, lookup: Lookup = {},
): Filtered {
  const { table, shared } = entity.storage;
  let query = db.selectFrom(`${table} as r` as 'roster_record as r').where('r.uai', '=', gate.uai as Expression<string>) as Filtered;
  if (shared) query = query.where(sql.ref('r.entity'), '=', entity.name);
  query = query.where(sql.ref('r.seq'), '<=', asOf);
  if (!request.includeDeleted) query = query.where(sql.ref('r.status'), '=', 'active');
  if (request.updatedSince) query = query.where(sql.ref('r.updated_at'), '>=', request.updatedSince);
  for (const filter of entity.filters) {
    const value = values[filter.parameter];
    if (value !== undefined) query = query.where(filterCondition(entity, filter, value, gate.uai, sql`r.data`, sql.ref('r.id')));
  }
  // Look-ups every listing has: by one of the record's source ids, and (people, for callers who may) by INE.
  if (lookup.sourceId) query = query.where(sql<boolean>`r.source_ids->>${lookup.sourceId.source} = ${lookup.sourceId.id}`);
  if (lookup.ine !== undefined) query = query.where(sql<string>`r.data->>'ine'`, '=', lookup.ine);
  return query;
}

/**
 * The condition a listing filter puts on a record whose fields are `data` (a jsonb document or one built from
 * columns) and whose id is `id`, in establishment `uai`.
 */
export function filterCondition(
  entity: EntityDescriptor, filter: ListingFilter, value: string, uai: Expression<string | null> | string, data: RawBuilder<unknown>, id: RawBuilder<unknown> | Expression<string>,
): RawBuilder<boolean> {
  const holds = (field: string) => entity.references.some((r) => r.field === field && r.many)
    ? sql<boolean>`coalesce(${data}->${field} ? ${value}, false)`
    : sql<boolean>`${data}->>${field} = ${value}`;
  if (filter.on === 'column') return sql<boolean>`${sql.ref(`r.${filter.column}`)} = ${value}`;
  if (filter.on === 'reference') return holds(filter.field);
  const memberships = entityNamed('membership');
  if (filter.on === 'attendee') {
    return sql<boolean>`(${holds(filter.teachers)} or exists (
      select 1 from ${sql.table(memberships.storage.table)} m where m.uai = ${uai} and m.entity = 'membership' and m.status = 'active'
        and m.data->>'personId' = ${value} and coalesce(${data}->${filter.groups} ? (m.data->>'groupId'), false)))`;
  }
  const via = entityNamed(filter.via);
  const viaEntity = via.storage.shared ? sql`and m.entity = ${via.name}` : sql``;
  return sql<boolean>`exists (
    select 1 from ${sql.table(via.storage.table)} m where m.uai = ${uai} ${viaEntity} and m.status = 'active'
      and m.data ? ${filter.from} and m.data->>${filter.from} = ${id}::text and m.data->>${filter.to} = ${value})`;
}

/** One page of `filtered`, keyset-paged on `key`, as the listed rows. */
function pageOf(filtered: Filtered, key: string, projection: Projection, request: PageRequest) {
  let listing = filtered
    .select([sql<string>`${sql.ref(key)}::text`.as('key'), sql<string>`seq::text`.as('seq'), renderedRecord(projection).as('record')])
    .orderBy(sql.ref(key))
    .limit(request.limit + 1);
  if (request.after !== undefined) listing = listing.where(sql.ref(key), '>', request.after);
  return listing as SelectQueryBuilder<Database, any, ListedRow>;
}

async function totalOf(filtered: Filtered, request: PageRequest): Promise<number | undefined> {
  if (!request.withTotal) return undefined;
  const { n } = await filtered.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow() as { n: string };
  return Number(n);
}

/** The page of an establishment's records a listing asks for, as a read for the gate. */
export function recordPageRead(db: Kysely<Database>, entity: EntityDescriptor, values: FilterValues, lookup: Lookup, request: PageRequest, projection: Projection) {
  return (gate: GateRefs) => pageOf(
    filteredRecords(db, entity, gate, request.asOf === undefined ? gate.position : String(request.asOf), request, values, lookup), 'r.id', projection, request);
}

/** How many records the listing holds in all, once the gate let it through (`uai` visible, read at `asOf`). */
export function recordTotal(
  db: Kysely<Database>, entity: EntityDescriptor, uai: string, asOf: bigint, values: FilterValues, lookup: Lookup, request: PageRequest,
): Promise<number | undefined> {
  return totalOf(filteredRecords(db, entity, { uai: sql.val(uai), position: sql.val(String(asOf)) }, String(asOf), request, values, lookup), request);
}

/** The establishment a record of the entity belongs to, as an expression for the gate (null when there is no such record). */
export function establishmentOfRecord(entity: EntityDescriptor, id: string): Expression<string> {
  const entityClause = entity.storage.shared ? sql`and entity = ${entity.name}` : sql``;
  return sql<string>`(select uai from ${sql.table(entity.storage.table)} where id = ${id}::uuid ${entityClause})`;
}

/** The record of an entity with this id in the gated establishment (active or tombstone), as a read for the gate. */
export function recordRead(db: Kysely<Database>, entity: EntityDescriptor, id: string, projection: Projection) {
  return (gate: GateRefs) => filteredRecords(db, entity, gate, gate.position, { includeDeleted: true } as PageRequest, {})
    .where(sql.ref('r.id'), '=', id)
    .select([sql<string>`r.id::text`.as('key'), sql<string>`seq::text`.as('seq'), renderedRecord(projection).as('record')]) as SelectQueryBuilder<Database, any, ListedRow>;
}

/** A page of the establishments a perimeter covers, with the descriptor's filters. */
export async function establishmentPage(
  db: Kysely<Database>, entity: EntityDescriptor, perimeter: readonly PerimeterEntry[], values: FilterValues, request: PageRequest,
): Promise<{ rows: ListedRow[]; asOf: bigint; total: number | undefined }> {
  const asOf = request.asOf ?? await committedSequence(db);
  let query = establishmentsCoveredBy(db, perimeter).where('seq', '<=', String(asOf)) as Filtered;
  if (request.updatedSince) query = query.where(sql.ref('updated_at'), '>=', request.updatedSince);
  for (const filter of entity.filters) {
    const value = values[filter.parameter];
    if (value !== undefined && filter.on === 'column') query = query.where(sql.ref(filter.column), '=', value);
  }
  const rows = await pageOf(query, 'uai', { kind: 'full' }, request).execute();
  return { rows, asOf, total: await totalOf(query, request) };
}

/** A record of a territory or of the nation by id (no perimeter holds them: every reader of the entity may). */
export async function sharedRecord(db: Kysely<Database>, entity: EntityDescriptor, id: string, projection: Projection): Promise<ListedRow | undefined> {
  return db.selectFrom('shared_record')
    .select([sql<string>`id::text`.as('key'), sql<string>`seq::text`.as('seq'), renderedRecord(projection).as('record')])
    .where('entity', '=', entity.name).where('id', '=', id)
    .executeTakeFirst();
}
