// Writes of records that belong to a territory or to the nation (a holiday zone's calendar, a commune's
// closure): checked against their schema, matched by id, unchanged ones left alone, through the one write path
// under the territory's lock.
import type { Kysely } from 'kysely';
import { entityNamed } from '../model/registry.js';
import { validateRecord } from '../model/validate.js';
import { jsonEqual } from './json-equal.js';
import { lockOwner } from './owner-lock.js';
import type { Database } from './tables.js';
import { BatchRejected } from './write-errors.js';
import type { Outcome } from './write/operations.js';
import { writeRows } from './write/rows.js';

export interface TerritoryRecord {
  entity: string;
  territory: string;
  id: string;
  sourceIds: Record<string, string>;
  /** The record's fields (a deletion keeps the stored ones). */
  data: Record<string, unknown>;
  deleted?: boolean;
}

/** Writes the records (each owner locked in turn) in one transaction; throws BatchRejected when one is invalid. */
export async function writeTerritoryRecords(db: Kysely<Database>, records: readonly TerritoryRecord[]): Promise<Outcome[]> {
  const problems = records.flatMap((record, index) => (record.deleted ? [] : validateRecord(record.entity, { ...record.data, sourceIds: record.sourceIds }))
    .map((p) => ({ index, pointer: `/records/${index}/record${p.pointer}`, detail: p.detail })));
  if (problems.length) throw new BatchRejected(problems);
  return db.transaction().execute(async (trx) => {
    for (const territory of [...new Set(records.map((r) => r.territory))].sort()) await lockOwner(trx, { territory });
    const stored = records.length === 0 ? [] : await trx.selectFrom('shared_record').select(['id', 'status', 'data', 'source_ids', 'territory'])
      .where('id', 'in', records.map((r) => r.id)).execute();
    const byId = new Map(stored.map((row) => [row.id, row]));
    const outcomes: Outcome[] = [];
    const rows = records.flatMap((record) => {
      const existing = byId.get(record.id);
      const sourceIds = { ...((existing?.source_ids ?? {}) as Record<string, string>), ...record.sourceIds };
      if (record.deleted) {
        outcomes.push(existing && existing.status === 'active' ? 'deleted' : 'unchanged');
        return existing && existing.status === 'active'
          ? [{ entity: entityNamed(record.entity), owner: { territory: existing.territory }, id: record.id, created: false, deleted: true, sourceIds, data: existing.data as Record<string, unknown> }]
          : [];
      }
      const unchanged = existing?.status === 'active' && existing.territory === record.territory && jsonEqual(existing.data, record.data) && jsonEqual(existing.source_ids, sourceIds);
      outcomes.push(unchanged ? 'unchanged' : existing ? 'updated' : 'created');
      return unchanged ? [] : [{ entity: entityNamed(record.entity), owner: { territory: record.territory }, id: record.id, created: !existing, deleted: false, sourceIds, data: record.data }];
    });
    if (rows.length) await writeRows(trx, rows);
    return outcomes;
  });
}

/** A record of a territory as stored (active or tombstone), or undefined. */
export function storedTerritoryRecord(db: Kysely<Database>, entity: string, id: string) {
  return db.selectFrom('shared_record').select(['territory', 'status', 'data', 'source_ids'])
    .where('entity', '=', entity).where('id', '=', id).executeTakeFirst();
}
