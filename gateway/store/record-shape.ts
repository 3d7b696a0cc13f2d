// The public shape of a stored record (establishment or roster record): envelope fields, then the entity's own.
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

/** What a deletion shows: the tombstone keeps its id, uai and sourceIds, and nothing else. */
export function tombstoneFromRow(row: StoredRow): Record<string, unknown> {
  return { id: row.id, uai: row.uai, status: 'deleted', sourceIds: row.source_ids, updatedAt: row.updated_at.toISOString() };
}
