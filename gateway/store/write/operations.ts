// What a batch is made of, and what it answers: the types every writer of establishment records shares.
import type { FieldProblem } from '../../model/validate.js';
import type { RosterRecordRow } from '../tables.js';

/** A link given by the source's identifier of its target rather than its gateway id (sources do not know gateway ids). */
export interface SourceRef {
  source: string;
  id: string;
}

export interface RecordOperation {
  /** A registered entity whose records belong to an establishment. */
  entity: string;
  op: 'upsert' | 'delete';
  record: Record<string, unknown>;
  /**
   * Links by source id: `{ personId: { source: 'onde', id: 'E12' } }`, or an array of them for a field that holds
   * several ids (`subjectIds`). The target must be stored already or come earlier in the batch.
   */
  links?: Record<string, SourceRef | SourceRef[]>;
}

export type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface BatchResult {
  results: { index: number; entity: string; op: 'upsert' | 'delete'; id: string; outcome: Outcome }[];
  counts: Record<Outcome, number>;
}

export type { BatchProblem } from '../write-errors.js';
export type { FieldProblem };

/**
 * A complete export replaces what its source last delivered for the establishment: records of that source
 * that the export no longer holds become tombstones, unless they are too many (a truncated file must never
 * wipe a school): then nothing is written until the import is confirmed.
 */
export interface Replacement {
  source: string;
  /** Largest share of the source's active records a complete import may delete without confirmation. */
  maxDeletionShare: number;
  confirmed: boolean;
  /**
   * Identifiers (in `source`) of records the export holds but that were refused: they are not deletions, and
   * neither are the stored records that link to them (a refused pupil's memberships and guardian links) nor
   * the records those link to.
   */
  keep?: ReadonlySet<string>;
}

export interface BatchOptions {
  /** A complete export: it replaces what its source delivered (see Replacement). */
  replace?: Replacement;
  /** UAI and INE keys are not checked (imports of test feeds, which carry invented identifiers). */
  lenientIdentifiers?: boolean;
  /**
   * A person sent without an id is matched on its INE first (default true). False for a caller that may not
   * read INEs: an INE is then no key it can probe the store with, only a value it writes.
   */
  matchOnIne?: boolean;
}

/** What planning needs of a stored record: not its renderings, which are the bulk of a row. */
export type StoredRecord = Pick<RosterRecordRow, 'id' | 'entity' | 'uai' | 'status' | 'source_ids' | 'data'>;
export const STORED_COLUMNS = ['id', 'entity', 'uai', 'status', 'source_ids', 'data'] as const;

/** One operation as planning decided it: the record it designates, and what writing it will do. */
export interface Planned {
  index: number;
  operation: RecordOperation;
  existing: StoredRecord | undefined;
  id: string;
  data: Record<string, unknown>;
  sourceIds: Record<string, string>;
  outcome: Outcome;
}
