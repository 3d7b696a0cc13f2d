// What the write path refuses, for its callers to report: the batch API, imports and the demo seed.
import type { FieldProblem } from '../model/validate.js';

export interface BatchProblem extends FieldProblem {
  /** Index of the operation in the batch. */
  index: number;
}

/**
 * The batch was not applied: every problem found is listed, each naming its operation and field. A record
 * that links to a refused one gets no problem of its own (its target's says why): it is among `leftOut`,
 * with the refused, so that an import leaves them all out of its next attempt.
 */
export class BatchRejected extends Error {
  readonly leftOut: ReadonlySet<number>;
  constructor(readonly problems: BatchProblem[], dependents: Iterable<number> = []) {
    super(`${problems.length} invalid record(s); nothing was written`);
    this.leftOut = new Set([...problems.map((p) => p.index), ...dependents]);
  }
}

export class UnknownEstablishment extends Error {
  constructor(readonly uai: string) {
    super(`no establishment ${uai}`);
  }
}

/** The import would delete more than its allowed share: held, nothing written. */
export class ImportHeld extends Error {
  constructor(
    readonly uai: string,
    readonly deletions: number,
    readonly total: number,
  ) {
    super(`the import would delete ${deletions} of the ${total} records of ${uai} from this source; confirm it to apply`);
  }
}
export class CursorAhead extends Error {}
