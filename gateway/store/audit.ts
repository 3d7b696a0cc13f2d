// The audit log of personal-data reads: who read what, where, how many, when. Appended, never updated.
import type { Kysely } from 'kysely';
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

interface Waiting {
  entries: readonly AuditEntry[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit: a commit costs a WAL flush, whatever it holds, and every page of personal data makes one. One
 * INSERT is in flight at a time; the entries of the reads that finish meanwhile wait and go together in the
 * next (up to `maxEntries`), so under load a flush carries many reads, and alone a read waits for nothing
 * but its own statement.
 */
export function groupCommitAudit(db: Kysely<Database>, options: { maxEntries?: number } = {}): AuditLog {
  const maxEntries = options.maxEntries ?? 1_000;
  let queue: Waiting[] = [];
  let flushing: Promise<void> | undefined;

  function takeBatch(): Waiting[] {
    let n = 0;
    let size = 0;
    while (n < queue.length && (n === 0 || size + queue[n].entries.length <= maxEntries)) size += queue[n++].entries.length;
    const batch = queue.slice(0, n);
    queue = queue.slice(n);
    return batch;
  }

  async function flush(): Promise<void> {
    while (queue.length) {
      const batch = takeBatch();
      try {
        await appendAudit(db, batch.flatMap((w) => w.entries));
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    flushing = undefined;
  }

  return {
    record(entries) {
      if (!entries.some((e) => e.count > 0)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ entries, resolve, reject });
        // Started on the next turn of the event loop, so that the reads finishing in this one share it.
        flushing ??= new Promise<void>((started) => setImmediate(started)).then(flush);
      });
    },
    async close() {
      await flushing;
    },
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
