// The public shape of a stored record (establishment or roster record): envelope fields, then the entity's own.
// Records are also stored rendered as JSON text, which listings and the change feed send as they are: no
// parsing and re-serialising of every row on every read.
import { sql, type RawBuilder } from 'kysely';
import { IDENTIFYING_SOURCES } from '../model/identifying.js';

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

/**
 * The two renderings stored with every record, as JSON text: `body` in full, and `body_minimal` without its
 * identifying fields nor the ids it has in identifying sources (null when there are none to leave out). Written
 * once, served as they are.
 */
export function renderings(record: Record<string, unknown>, identifying: readonly string[] = []): { body: string; body_minimal: string | null } {
  const body = jsonForPostgres(record);
  const sourceIds = record.sourceIds as Record<string, unknown> | undefined;
  const identifyingSources = sourceIds ? IDENTIFYING_SOURCES.filter((source) => source in sourceIds) : [];
  if (!identifying.some((field) => field in record) && identifyingSources.length === 0) return { body, body_minimal: null };
  const minimal = { ...record };
  for (const field of identifying) delete minimal[field];
  if (identifyingSources.length) {
    const kept = { ...sourceIds };
    for (const source of identifyingSources) delete kept[source];
    minimal.sourceIds = kept;
  }
  return { body, body_minimal: jsonForPostgres(minimal) };
}

/** The stored rendering to serve, as an SQL expression. */
export function renderedRecord(rendering: 'full' | 'minimal'): RawBuilder<string> {
  return rendering === 'full' ? sql<string>`body` : sql<string>`coalesce(body_minimal, body)`;
}

/** The tombstone of a stored row, as JSON text built by the database (for records announced as leaving). */
export function tombstoneJson(rendering: 'full' | 'minimal'): RawBuilder<string> {
  const sourceIds = rendering === 'full' ? sql`source_ids` : sql`source_ids - ${IDENTIFYING_SOURCES}::text[]`;
  return sql<string>`jsonb_build_object('id', id, 'uai', uai, 'status', 'deleted', 'sourceIds', ${sourceIds}, 'updatedAt', to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text`;
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
