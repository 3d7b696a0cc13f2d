// The one shape every import takes, whether a sync job, the command line or a test runs it: the files of a
// delivery in, what happened to each establishment and every problem out. Each connector's importer module
// declares an ImporterDefinition, listed in `importers.ts`: the jobs API, the command line and the job runner
// know nothing else about them.
import type { Kysely } from 'kysely';
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import type { Database } from '../store/tables.js';
import type { ImportCounts } from './import-counts.js';

/** One file of a delivery: its name as delivered (connectors pick files by name) and a way to read it. */
export interface SourceFile {
  name: string;
  /** Bytes, when known: progress is told in bytes read. */
  size?: number;
  open(): AsyncIterable<Buffer | Uint8Array>;
}

export interface ImportRequest {
  files: SourceFile[];
  /** The establishment, for connectors whose files do not say it (ONDE, STS-Web). */
  uai?: string;
  mode: 'complete' | 'delta';
  /** Apply a complete import even past the safety brake. */
  confirmed: boolean;
  /** Largest share of a source's records a complete import deletes without confirmation (default 0.2). */
  maxDeletionShare?: number;
  /** UAI and INE keys that do not check out are warnings, not refusals (test feeds carry invented ones). */
  lenientIdentifiers: boolean;
  /** The file's encoding when the caller knows it better than the bytes tell. */
  encoding?: string;
  /**
   * The submitter's perimeter (national for the operator): the import reads and writes only establishments
   * inside it, creates none outside it, and its report names nothing outside it.
   */
  perimeter: readonly PerimeterEntry[];
  /** Aborted when the job is cancelled: importers stop at the next record they read, before writing. */
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  /** What is being done, for people: `reading Eleve_0003.xml`, `writing 0750655E`. */
  stage: string;
  /** Units done and, when known, in all (records or bytes, the same unit for both). */
  done: number;
  total?: number;
}

export interface EstablishmentOutcome {
  uai: string;
  /** `held`: the safety brake stopped a complete import; nothing was written to that establishment. */
  state: 'completed' | 'held' | 'failed';
  counts: ImportCounts;
  /** For a held import: how many of how many records it would delete. */
  held?: { deletions: number; total: number };
}

export interface ImportOutcome {
  /** Every record's outcome, all establishments together. */
  counts: ImportCounts;
  establishments: EstablishmentOutcome[];
  /** Every problem, each naming file, line and field where known. */
  problems: ConnectorProblem[];
}

export type Importer = (db: Kysely<Database>, request: ImportRequest) => Promise<ImportOutcome>;

/** The files a connector reads, for people (help texts) and for telling them apart by name. */
export interface AcceptedFiles {
  /** What to deliver, for people: `sts_emp_<UAI>_<year>.xml`. */
  readonly description: string;
  /** The name endings it reads (lower case, with their dot); archives of such files are always accepted. */
  readonly extensions: readonly string[];
}

/** A connector's importer, registered as data: what it is called, what a request must give it, and its run. */
export interface ImporterDefinition<Name extends string = string> {
  /** As jobs, the API's `connector` and `passerelle import` name it. */
  readonly name: Name;
  /** One line for people: what it imports. */
  readonly summary: string;
  readonly needs: {
    /** Its files do not name their establishment: a request without `uai` is refused. */
    readonly uai: boolean;
    /** It creates or moves establishments: callers need the `admin` scope. */
    readonly admin?: boolean;
  };
  /**
   * It creates the one establishment it is for when the store does not know it: a request's `uai` is not looked
   * up before the job is made, the import refusing one outside the submitter's perimeter as it refuses a missing one.
   */
  readonly createsItsEstablishment?: boolean;
  readonly files: AcceptedFiles;
  readonly run: Importer;
}

/** Thrown by an importer when the request itself cannot be run (a connector that needs `uai` without one). */
export class ImportRequestError extends Error {}
