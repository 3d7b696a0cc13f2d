// Imports what a roster connector reads from an export into one establishment, in one transaction: a
// complete export replaces what its source delivered (with the safety brake), a delta only applies what it
// carries. Records the store refuses are reported with their file and line and left out; the others go in,
// and a refused record is never taken for one the export dropped.
import type { Kysely } from 'kysely';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import type { CanonicalOperation, ConnectorItem } from '../../connectors/kit/operation.js';
import type { Database } from '../store/tables.js';
import { applyWithRetry } from './apply-with-retry.js';
import { noCounts, sumCounts, type ImportCounts } from './import-counts.js';
import type { EstablishmentOutcome, ImportRequest } from './importer.js';

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

/** What an import request says of how to apply what it reads. */
export function applySettings(request: ImportRequest): Pick<RosterImportOptions, 'mode' | 'maxDeletionShare' | 'confirmed' | 'lenientIdentifiers' | 'signal'> {
  return { mode: request.mode, maxDeletionShare: request.maxDeletionShare, confirmed: request.confirmed, lenientIdentifiers: request.lenientIdentifiers, signal: request.signal };
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
  const operations: CanonicalOperation[] = [];
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
  const applied = await applyWithRetry(db, options.uai, operations.map((o) => ({ entity: o.entity, op: 'upsert', record: o.record, ...(o.links ? { links: o.links } : {}), position: o.position })), {
    source: options.source,
    mode: options.mode,
    maxDeletionShare: options.maxDeletionShare,
    confirmed: options.confirmed,
    lenientIdentifiers: options.lenientIdentifiers,
    // Source ids of records the connector refused: not "dropped by the export".
    refused: problems.filter((p) => p.severity === 'error' && p.sourceId !== undefined).map((p) => p.sourceId!),
  }, problems);
  const all = { counts: sumCounts([counts, applied.counts]), problems };
  return applied.held ? { state: 'held', ...applied.held, ...all } : { state: 'completed', ...all };
}
