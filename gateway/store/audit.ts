// The audit log of personal-data reads: who read what, where, how many, when. Appended, never updated.
import type { Kysely } from 'kysely';
import { groupCommit } from './group-commit.js';
import type { Database } from './tables.js';

export interface AuditEntry {
  clientId: string;
  uai: string | null;
  entity: string;
  count: number;
  requestId: string | null;
  /** What happened: `read` (the default) or an SSO event (`sso.login`, `sso.link`, `sso.claims`). */
  action?: string;
  /** What the action needs said beyond the columns (provider, scopes, claims released); never personal data. */
  detail?: Record<string, unknown>;
}

export async function appendAudit(db: Kysely<Database>, entries: AuditEntry[]): Promise<void> {
  const rows = entries.filter((e) => e.count > 0).map((e) => ({
    client_id: e.clientId, uai: e.uai, entity: e.entity, count: e.count, request_id: e.requestId,
    ...(e.action ? { action: e.action } : {}), ...(e.detail ? { detail: JSON.stringify(e.detail) } : {}),
  }));
  if (rows.length) await db.insertInto('audit_log').values(rows).execute();
}

/** The audit log as reads write to it: entries are group-committed, each read still waiting for its own. */
export interface AuditLog {
  /**
   * Resolves once the entries are committed (durable), so that a response sent after it is on record;
   * rejects when the statement that held them failed. Entries with a count of 0 are not written.
   */
  record(entries: readonly AuditEntry[]): Promise<void>;
  /** Waits for every entry recorded so far to be written (or to fail). */
  close(): Promise<void>;
}

/** Every page of personal data makes an entry: they share commits (group-commit.ts). */
export function groupCommitAudit(db: Kysely<Database>, options: { maxEntries?: number } = {}): AuditLog {
  const group = groupCommit<AuditEntry>((entries) => appendAudit(db, entries), { maxItems: options.maxEntries });
  return {
    record: (entries) => (entries.some((e) => e.count > 0) ? group.record(entries) : Promise.resolve()),
    close: () => group.close(),
  };
}

export interface AuditFilter {
  clientId?: string;
  action?: string;
  uai?: string;
  since?: Date;
  limit: number;
}

export async function readAudit(db: Kysely<Database>, filter: AuditFilter) {
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.uai) query = query.where('uai', '=', filter.uai);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.since) query = query.where('at', '>=', filter.since);
  return query.execute();
}
