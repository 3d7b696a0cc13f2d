// The public shape of a stored record (establishment or roster record): envelope fields, then the entity's own.
// Records are also stored rendered as JSON text, which listings and the change feed send as they are: no
// parsing and re-serialising of every row on every read. The database makes the renderings as it stores a record.
import { sql, type RawBuilder } from 'kysely';
import type { EntityDescriptor } from '../model/registry.js';
import { guardedFields, guardedSources, type Projection } from '../perimeter/projection.js';

export interface StoredRow {
  id: string;
  uai: string;
  status: string;
  source_ids: unknown;
  data: unknown;
  updated_at: Date;
}

export function recordFromRow(row: StoredRow): Record<string, unknown> {
  return {
    id: row.id,
    uai: row.uai,
    status: row.status,
    sourceIds: row.source_ids,
    updatedAt: row.updated_at.toISOString(),
    ...(row.data as Record<string, unknown>),
  };
}

/** What a record's minimal rendering holds in place of its `sourceIds` and `data`, or undefined when it is its full one. */
export interface MinimalParts {
  sourceIds: Record<string, unknown>;
  data: Record<string, unknown>;
}

/**
 * The parts of a record's minimal rendering: without any guarded field of its entity (identifying, contact) nor
 * its ids in identifying sources; undefined when there are none to leave out (the record then has no `body_minimal`).
 */
export function minimalParts(entity: EntityDescriptor, sourceIds: Record<string, unknown>, data: Record<string, unknown>): MinimalParts | undefined {
  const fields = guardedFields(entity).map((g) => g.field).filter((field) => field in data);
  const sources = guardedSources(entity).filter((source) => source in sourceIds);
  if (!fields.length && !sources.length) return undefined;
  const minimal = { sourceIds: { ...sourceIds }, data: { ...data } };
  for (const field of fields) delete minimal.data[field];
  for (const source of sources) delete minimal.sourceIds[source];
  return minimal;
}

/**
 * A record's rendering, `{"id", "uai" (or "territory"), "status", "sourceIds", "updatedAt", …data}` as JSON text, made by the
 * database from the parts' JSON texts as the gateway sent them (a `json` value keeps its text, so `data` keeps its
 * key order): each record goes to the database once, and is not serialised again inside its renderings.
 * `sourceIds` and `data` are `json` expressions; `id` (a uuid) and `status` text expressions that need no escaping; `owner` the `"uai":…` or `"territory":…` member.
 */
export function renderedInDatabase(parts: {
  id: RawBuilder<unknown>; owner: RawBuilder<string>; status: RawBuilder<unknown>; updatedAt: Date; sourceIds: RawBuilder<unknown>; data: RawBuilder<unknown>;
}): RawBuilder<string> {
  const envelope = sql`'{"id":"' || ${parts.id} || '",' || ${parts.owner} || ',"status":"' || ${parts.status}
    || '","sourceIds":' || (${parts.sourceIds})::text || ',"updatedAt":' || ${JSON.stringify(parts.updatedAt.toISOString())}`;
  return sql<string>`${envelope} || case when (${parts.data})::text = '{}' then '}' else ',' || substr((${parts.data})::text, 2) end`;
}

/** A record's rendering as a projection shows it, as an SQL expression on its row. */
function projected(projection: Projection): RawBuilder<string> {
  switch (projection.kind) {
    case 'full':
      return sql<string>`body`;
    case 'minimal':
      return sql<string>`coalesce(body_minimal, body)`;
    case 'partial': {
      // Rare (a caller with some guarded scopes but not all): made from the full rendering as it is read.
      const sources = projection.sources.length ? sql` || jsonb_build_object('sourceIds', (body::jsonb->'sourceIds') - ${[...projection.sources]}::text[])` : sql``;
      return sql<string>`case when body_minimal is null then body else ((body::jsonb - ${[...projection.fields]}::text[])${sources})::text end`;
    }
  }
}

/**
 * The stored rendering to serve, as an SQL expression: one projection, or one per entity for rows of several
 * (the change feed), each row rendered as its entity's projection says.
 */
export function renderedRecord(projections: Projection | ReadonlyMap<string, Projection>): RawBuilder<string> {
  if (!(projections instanceof Map)) return projected(projections as Projection);
  const byEntity = [...projections].filter(([, p]) => p.kind !== 'full');
  if (byEntity.length === 0) return sql<string>`body`;
  return sql<string>`case entity ${sql.join(byEntity.map(([entity, p]) => sql`when ${entity} then ${projected(p)}`), sql` `)} else body end`;
}

/** A timestamp column as the JSON records' `updatedAt` text (UTC, milliseconds, `Z`), built by the database. */
export function utcInstantText(column: string): RawBuilder<string> {
  return sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The tombstone of a stored row, as JSON text built by the database (for records announced as leaving). */
export function tombstoneJson(hiddenSources: readonly string[]): RawBuilder<string> {
  const sourceIds = hiddenSources.length ? sql`source_ids - ${[...hiddenSources]}::text[]` : sql`source_ids`;
  return sql<string>`jsonb_build_object('id', id, 'uai', uai, 'status', 'deleted', 'sourceIds', ${sourceIds}, 'updatedAt', ${utcInstantText('updated_at')})::text`;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * JSON text PostgreSQL takes: JSON.stringify escapes a lone surrogate (`\ud800`), which PostgreSQL refuses,
 * where the same string sent as a text parameter is stored with U+FFFD in its place; so it is here too, and
 * the renderings say what `data` holds.
 */
export function jsonForPostgres(value: unknown): string {
  const json = JSON.stringify(value);
  if (!json.includes('\\ud')) return json;
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'string' ? v.replace(LONE_SURROGATE, '\ufffd') : v));
}
