// The write path of establishment records, as its callers use it (the modules of `write/` do the work).
export { applyBatch } from './write/batch.js';
export type { BatchOptions, BatchResult, Outcome, RecordOperation, Replacement, SourceRef, StoredRecord } from './write/operations.js';
export { activeRecordsFromSource, recordsWithIds } from './write/stored.js';
export { chunks } from './write/rows.js';
export { BatchRejected, ImportHeld, UnknownEstablishment, type BatchProblem } from './write-errors.js';

/** The name of a registered entity whose records belong to an establishment (see model/registry.ts). */
export type RosterEntity = string;
