// Why the store's write path refused a write, as errors the importers read and HTTP answers render as they are.
import { GatewayError, summarise } from '../errors/gateway-error.js';
import { notInPerimeterDetail } from '../errors/problems.js';
import type { FieldProblem } from '../model/validate.js';
import { formatPerimeter, type PerimeterEntry } from '../perimeter/perimeter.js';

export interface BatchProblem extends FieldProblem {
  /** Index of the operation in the batch. */
  index: number;
}

/**
 * The batch was not applied: every problem found is listed, each naming its operation and field. A record
 * that links to a refused one gets no problem of its own (its target's says why): it is among `leftOut`,
 * with the refused, so that an import leaves them all out of its next attempt.
 */
export class BatchRejected extends GatewayError {
  readonly leftOut: ReadonlySet<number>;
  constructor(readonly problems: BatchProblem[], dependents: Iterable<number> = []) {
    super('validation',
      `${new Set(problems.map((p) => p.index)).size} invalid record(s), nothing was written: ${summarise(problems)}`,
      { errors: problems.map(({ pointer, detail }) => ({ pointer, detail })) });
    this.leftOut = new Set([...problems.map((p) => p.index), ...dependents]);
  }
}

/** Missing, to whoever asks: worded as one outside the caller's perimeter, which it must not tell apart. */
export class UnknownEstablishment extends GatewayError {
  constructor(readonly uai: string) {
    super('not-found', notInPerimeterDetail(`establishment ${uai}`));
  }
}

/** The import would delete more than its allowed share: held, nothing written. */
export class ImportHeld extends GatewayError {
  constructor(
    readonly uai: string,
    readonly deletions: number,
    readonly total: number,
  ) {
    super('import-held', `the import would delete ${deletions} of the ${total} records of ${uai} from this source; confirm it to apply`);
  }
}

/** The establishment is invalid; over HTTP it is the request's body, so its fields are named under `/body`. */
export class EstablishmentRejected extends GatewayError {
  constructor(readonly problems: FieldProblem[]) {
    const errors = problems.map((p) => ({ pointer: `/body${p.pointer}`, detail: p.detail }));
    super('validation', summarise(errors), { errors });
  }
}

/**
 * The writer's perimeter does not cover the establishment: `stored`, the establishment as the store holds it (the
 * writer may not know it exists: a 404 worded as a missing one); `written`, the establishment as it would be once
 * written (a 403 naming the writer's perimeter).
 */
export class EstablishmentOutsidePerimeter extends GatewayError {
  readonly uai: string;
  readonly where: 'stored' | 'written';
  constructor(uai: string, where: 'stored' | 'written', perimeter: readonly PerimeterEntry[]) {
    super(where === 'stored' ? 'not-found' : 'outside-perimeter', where === 'stored'
      ? notInPerimeterDetail(`establishment ${uai}`)
      : `establishment ${uai} would not be inside your perimeter (${formatPerimeter(perimeter).join(', ') || 'empty'})`);
    this.uai = uai;
    this.where = where;
  }
}
