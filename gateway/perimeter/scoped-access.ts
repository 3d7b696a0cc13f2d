// The request's door to establishment data: built from the caller, it applies the caller's perimeter to
// every query, so a route cannot forget it. Outside the perimeter looks exactly like missing (404).
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Caller } from '../auth/scopes.js';
import { NotFoundProblem } from '../http/problem.js';
import type { Database, EstablishmentRow } from '../store/tables.js';
import { parsePerimeter, type PerimeterEntry } from './perimeter.js';
import { coversEstablishment } from './visibility.js';

export class ScopedAccess {
  readonly perimeter: readonly PerimeterEntry[];

  constructor(
    readonly db: Kysely<Database>,
    readonly caller: Caller,
  ) {
    this.perimeter = parsePerimeter(caller.perimeter);
  }

  /** Active establishments inside the perimeter, as a query to refine. */
  establishments(): SelectQueryBuilder<Database, 'establishment', object> {
    return this.db
      .selectFrom('establishment')
      .where('establishment.status', '=', 'active')
      .where((eb) => coversEstablishment(eb, this.perimeter));
  }

  /**
   * The establishment if the caller may see it, otherwise a 404 that does not say which of the two it is; with
   * the change-log position at the time of reading (one round trip for both: listings start from it).
   */
  async establishment(uai: string): Promise<EstablishmentRow & { position: string }> {
    const row = await this.establishments()
      .innerJoin('change_counter', (join) => join.onTrue())
      .selectAll('establishment')
      .select('change_counter.seq as position')
      .where('uai', '=', uai)
      .executeTakeFirst();
    if (!row) throw new NotFoundProblem(`no establishment ${uai} in your perimeter`);
    return row;
  }
}
