// The request's door to establishment data: built from the caller, it applies the caller's perimeter to
// every query, so a route cannot forget it. Outside the perimeter looks exactly like missing (404).
// The caller may come from a cache: every access checks it against the client's current record, in the
// query it runs anyway or in one of its own, and starts again with the current record when it changed.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Caller, Scope } from '../auth/scopes.js';
import { ForbiddenProblem, NotFoundProblem, UnauthorizedProblem } from '../http/problem.js';
import type { Database, EstablishmentRow } from '../store/tables.js';
import { parsePerimeter, type PerimeterEntry } from './perimeter.js';
import { coversEstablishment } from './visibility.js';

export type CallerLoader = (clientId: string, tokenScopes: readonly string[]) => Promise<Caller | undefined>;

export class ScopedAccess {
  #caller: Caller;
  #perimeter: readonly PerimeterEntry[];
  #required: readonly Scope[] = [];
  #fresh = false;

  constructor(
    readonly db: Kysely<Database>,
    caller: Caller,
    private readonly loadCaller: CallerLoader,
  ) {
    this.#caller = caller;
    this.#perimeter = parsePerimeter(caller.perimeter);
  }

  get caller(): Caller {
    return this.#caller;
  }

  get perimeter(): readonly PerimeterEntry[] {
    return this.#perimeter;
  }

  /** Lets the request go on if the caller holds one of the scopes (none: any caller); checked again if it is reloaded. */
  requireScopes(scopes: readonly Scope[]): void {
    this.#required = scopes;
    if (scopes.length > 0 && !scopes.some((s) => this.#caller.scopes.has(s))) throw new ForbiddenProblem(scopes);
  }

  /** Makes sure the caller is the client's current record (one query), for accesses that need it first. */
  async fresh(): Promise<void> {
    if (this.#fresh) return;
    const caller = await this.loadCaller(this.#caller.clientId, this.#caller.tokenScopes);
    if (!caller) throw new UnauthorizedProblem(`the client ${this.#caller.clientId} this token was issued to is unknown or revoked`);
    this.#caller = caller;
    this.#perimeter = parsePerimeter(caller.perimeter);
    this.#fresh = true;
    this.requireScopes(this.#required);
  }

  /** Active establishments inside the perimeter, as a query to refine (call `fresh()` first). */
  establishments(): SelectQueryBuilder<Database, 'establishment', object> {
    return this.db
      .selectFrom('establishment')
      .where('establishment.status', '=', 'active')
      .where((eb) => coversEstablishment(eb, this.#perimeter));
  }

  /**
   * The establishment if the caller may see it, otherwise a 404 that does not say which of the two it is; with
   * the change-log position at the time of reading. One round trip for the three, and the caller's freshness.
   */
  async establishment(uai: string): Promise<EstablishmentRow & { position: string }> {
    const row = await this.db
      .selectFrom('change_counter')
      .leftJoin('establishment', (join) => join
        .on('establishment.uai', '=', uai)
        .on('establishment.status', '=', 'active')
        .on((eb) => coversEstablishment(eb as never, this.#perimeter)))
      .selectAll('establishment')
      .select([
        'change_counter.seq as position',
        sql<string | null>`(select xmin::text from api_client where client_id = ${this.#caller.clientId} and status = 'active')`.as('clientVersion'),
      ])
      .executeTakeFirstOrThrow();
    if (!this.#fresh && row.clientVersion !== this.#caller.version) {
      await this.fresh();
      return this.establishment(uai);
    }
    if (row.uai === null) throw new NotFoundProblem(`no establishment ${uai} in your perimeter`);
    const { clientVersion: _version, ...establishment } = row;
    return establishment as EstablishmentRow & { position: string };
  }
}
