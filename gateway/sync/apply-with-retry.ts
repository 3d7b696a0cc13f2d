// The one way an import writes an establishment: its operations in one transaction, and when the store refuses
// some, those (and what links to them) are reported at their place in the export and left out, and the rest
// applied again. A refused record, by the connector or by the store, is never taken for one the export dropped.
import type { Kysely } from 'kysely';
import type { ConnectorProblem, SourcePosition } from '../../connectors/kit/problem.js';
import { applyBatch, BatchRejected, ImportHeld, type Outcome, type RecordOperation } from '../store/records.js';
import type { Database } from '../store/tables.js';
import { identifierWarningsAt } from './identifier-warnings.js';
import { noCounts, type ImportCounts } from './import-counts.js';

/** An operation as applyBatch takes it, with where the export says it (the store reads only the operation). */
export interface PlacedOperation extends RecordOperation {
  position: SourcePosition;
}

export interface ApplyOptions {
  /** The connector whose records these are (`sourceIds` key): a complete import replaces what it delivered. */
  source: string;
  mode: 'complete' | 'delta';
  /** Largest share of the source's records a complete import deletes without confirmation (default 0.2). */
  maxDeletionShare?: number;
  confirmed?: boolean;
  /** UAI and INE keys that do not check out are warnings, not refusals. */
  lenientIdentifiers?: boolean;
  /** Source ids of records refused before the store saw them: a complete import keeps what the store has of them. */
  refused?: Iterable<string>;
}

export interface AppliedEstablishment {
  /** What was written, and the records refused. */
  counts: ImportCounts;
  /** Set when the safety brake held a complete import: nothing was written. */
  held?: { deletions: number; total: number };
}

/** What the store refused in a batch, as problems at each record's place in its file, naming the field. */
function refusedRecordProblems(error: BatchRejected, operations: readonly PlacedOperation[]): ConnectorProblem[] {
  return error.problems.map((p) => {
    const operation = operations[p.index];
    // `/records/3/record/ine` → `ine`; `/records/3/links/personId` → `links/personId`.
    const field = p.pointer.replace(/^\/records\/\d+\/?(record\/?)?/, '') || undefined;
    return { ...operation.position, ...(field ? { field } : {}), code: 'invalid-record', severity: 'error', detail: `${operation.entity} ${field ?? ''} ${p.detail}`.replace(/\s+/g, ' ').trim() };
  });
}

/**
 * Applies an establishment's operations, leaving out what the store refuses until the rest goes in; identifier
 * warnings, then each refused record at its place, are added to `problems` as they are found. Throws what
 * applyBatch throws but BatchRejected and ImportHeld (UnknownEstablishment, failures of the store).
 */
export async function applyWithRetry(
  db: Kysely<Database>, uai: string, all: readonly PlacedOperation[], options: ApplyOptions, problems: ConnectorProblem[],
): Promise<AppliedEstablishment> {
  const counts = noCounts();
  if (options.lenientIdentifiers) {
    for (const operation of all) if (operation.op === 'upsert') problems.push(...identifierWarningsAt(operation.record, operation.position));
  }
  let operations = all;
  const keep = new Set(options.refused);
  for (;;) {
    try {
      const result = await applyBatch(db, uai, operations as PlacedOperation[], {
        lenientIdentifiers: options.lenientIdentifiers,
        replace: options.mode === 'complete' ? {
          source: options.source, maxDeletionShare: options.maxDeletionShare ?? 0.2, confirmed: options.confirmed ?? false, keep,
        } : undefined,
      });
      for (const outcome of Object.keys(result.counts) as Outcome[]) counts[outcome] += result.counts[outcome];
      return { counts };
    } catch (error) {
      if (error instanceof ImportHeld) return { counts, held: { deletions: error.deletions, total: error.total } };
      if (!(error instanceof BatchRejected)) throw error;
      const refused = new Set(error.problems.map((p) => p.index));
      problems.push(...refusedRecordProblems(error, operations));
      for (const index of refused) {
        const sourceId = (operations[index].record.sourceIds as Record<string, string> | undefined)?.[options.source];
        if (sourceId) keep.add(sourceId);
      }
      counts.rejected += refused.size;
      // What links to a refused record goes with it, without a second problem (see BatchRejected.leftOut).
      operations = operations.filter((_, i) => !error.leftOut.has(i));
    }
  }
}
