// Imports what a roster connector reads from an export into one establishment, in one transaction: a
// complete export replaces what its source delivered (with the safety brake), a delta only applies what it
// carries. Records the store refuses are reported with their file and line and left out; the others go in,
// and a refused record is never taken for one the export dropped.
import type { Kysely } from 'kysely';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import type { CanonicalOperation, ConnectorItem } from '../../connectors/kit/operation.js';
import { applyBatch, type Outcome, type RecordOperation } from '../store/records.js';
import { BatchRejected, ImportHeld } from '../store/write-errors.js';
import type { Database } from '../store/tables.js';
import { identifierWarningsAt } from './identifier-warnings.js';
import { noCounts, type ImportCounts } from './import-counts.js';
import type { EstablishmentOutcome } from './importer.js';

export interface RosterImportOptions {
  uai: string;
  source: string;
  mode: 'complete' | 'delta';
  /** Largest share of the source's records a complete import deletes without confirmation (default 0.2). */
  maxDeletionShare?: number;
  confirmed?: boolean;
  /** UAI and INE keys that do not check out are warnings, not refusals (test feeds carry invented ones). */
  lenientIdentifiers?: boolean;
  signal?: AbortSignal;
  /** Called as records are read, with how many so far. */
  onRecords?: (read: number) => void;
}

export type RosterImportReport =
  | { state: 'completed'; counts: ImportCounts; problems: ConnectorProblem[] }
  | { state: 'held'; deletions: number; total: number; counts: ImportCounts; problems: ConnectorProblem[] }
  | { state: 'failed'; counts: ImportCounts; problems: ConnectorProblem[] };

/** What the store refused in a batch, as problems at each record's place in its file, naming the field. */
export function refusedRecordProblems(error: BatchRejected, operations: readonly { entity: string; position: CanonicalOperation['position'] }[]): ConnectorProblem[] {
  return error.problems.map((p) => {
    const operation = operations[p.index];
    // `/records/3/record/ine` → `ine`; `/records/3/links/personId` → `links/personId`.
    const field = p.pointer.replace(/^\/records\/\d+\/?(record\/?)?/, '') || undefined;
    return { ...operation.position, ...(field ? { field } : {}), code: 'invalid-record', severity: 'error', detail: `${operation.entity} ${field ?? ''} ${p.detail}`.replace(/\s+/g, ' ').trim() };
  });
}

/** The report as a job records it for the establishment. */
export function establishmentOutcome(uai: string, report: RosterImportReport): EstablishmentOutcome {
  return {
    uai,
    state: report.state,
    counts: report.counts,
    ...(report.state === 'held' ? { held: { deletions: report.deletions, total: report.total } } : {}),
  };
}

export async function importRoster(
  db: Kysely<Database>,
  items: AsyncIterable<ConnectorItem>,
  options: RosterImportOptions,
): Promise<RosterImportReport> {
  const counts = noCounts();
  const problems: ConnectorProblem[] = [];
  let operations: CanonicalOperation[] = [];
  try {
    for await (const item of items) {
      options.signal?.throwIfAborted();
      if (item.kind === 'problem') {
        problems.push(item.problem);
        if (item.problem.severity === 'error') counts.rejected += 1;
      } else {
        operations.push(item.operation);
        if (operations.length % 1000 === 0) options.onRecords?.(operations.length);
      }
    }
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    // A file that cannot be read is not applied at all: it could be a truncated export.
    return { state: 'failed', counts, problems: [...problems, error.problem] };
  }
  if (options.lenientIdentifiers) {
    for (const operation of operations) problems.push(...identifierWarningsAt(operation.record, operation.position));
  }

  // Source ids of refused records, by the connector or the store: not "dropped by the export".
  const kept = new Set(problems.filter((p) => p.severity === 'error' && p.sourceId !== undefined).map((p) => p.sourceId!));
  for (;;) {
    const batch: RecordOperation[] = operations.map((o) => ({ entity: o.entity, op: 'upsert', record: o.record, ...(o.links ? { links: o.links } : {}) }));
    try {
      const result = await applyBatch(db, options.uai, batch, {
        lenientIdentifiers: options.lenientIdentifiers,
        replace: options.mode === 'complete' ? {
          source: options.source,
          maxDeletionShare: options.maxDeletionShare ?? 0.2,
          confirmed: options.confirmed ?? false,
          keep: kept,
        } : undefined,
      });
      for (const outcome of Object.keys(result.counts) as Outcome[]) counts[outcome] += result.counts[outcome];
      return { state: 'completed', counts, problems };
    } catch (error) {
      if (error instanceof ImportHeld) return { state: 'held', deletions: error.deletions, total: error.total, counts, problems };
      if (!(error instanceof BatchRejected)) throw error;
      const refused = new Set(error.problems.map((p) => p.index));
      problems.push(...refusedRecordProblems(error, operations));
      for (const index of refused) {
        const sourceId = (operations[index].record.sourceIds as Record<string, string> | undefined)?.[options.source];
        if (sourceId) kept.add(sourceId);
      }
      counts.rejected += refused.size;
      // What links to a refused record goes with it, without a second problem (see BatchRejected.leftOut).
      operations = operations.filter((_, i) => !error.leftOut.has(i));
    }
  }
}
