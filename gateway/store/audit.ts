// The audit log of personal-data reads: who read what, where, how many, when. Appended, never updated.
import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

export interface AuditEntry {
  clientId: string;
  uai: string | null;
  entity: string;
  count: number;
  requestId: string | null;
}

export async function appendAudit(db: Kysely<Database>, entries: AuditEntry[]): Promise<void> {
  const rows = entries.filter((e) => e.count > 0).map((e) => ({
    client_id: e.clientId, uai: e.uai, entity: e.entity, count: e.count, request_id: e.requestId,
  }));
  if (rows.length) await db.insertInto('audit_log').values(rows).execute();
}

export interface AuditFilter {
  clientId?: string;
  uai?: string;
  since?: Date;
  limit: number;
}

export async function readAudit(db: Kysely<Database>, filter: AuditFilter) {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.uai) query = query.where('uai', '=', filter.uai);
  if (filter.since) query = query.where('at', '>=', filter.since);
  return query.execute();
}
