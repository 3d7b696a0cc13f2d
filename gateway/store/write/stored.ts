// Reads of stored establishment records the write path and the importers share (without their renderings).
import { sql, type Kysely, type Transaction } from 'kysely';
import { establishmentRecordEntities } from '../../model/registry.js';
import type { Database, RosterRecordRow } from '../tables.js';
import { chunks } from './rows.js';
import { STORED_COLUMNS, type StoredRecord } from './operations.js';

/** The tables establishment records are kept in (the roster's, and any an entity has of its own). */
function recordTables(): string[] {
  return [...new Set(establishmentRecordEntities().map((e) => e.storage.table))];
}

/** The records with these ids, in any establishment, without their renderings. */
export async function recordsWithIds(db: Kysely<Database>, ids: string[]): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const table of recordTables()) {
    for (const chunk of chunks(ids, 10_000)) {
      const { rows } = await sql<StoredRecord>`
        select ${sql.join(STORED_COLUMNS.map((c) => sql.ref(c)))} from ${sql.table(table)} where id = any(${chunk}::uuid[])`.execute(db);
      out.push(...rows);
    }
  }
  return out;
}

/** The active records of an establishment that carry an identifier from `source`: what that source delivered. */
export async function activeRecordsFromSource(
  db: Kysely<Database> | Transaction<Database>,
  uai: string,
  source: string,
): Promise<RosterRecordRow[]> {
  const out: RosterRecordRow[] = [];
  for (const table of recordTables()) {
    const { rows } = await sql<RosterRecordRow>`
      select * from ${sql.table(table)} where uai = ${uai} and status = 'active' and source_ids ? ${source}`.execute(db);
    out.push(...rows);
  }
  return out;
}
