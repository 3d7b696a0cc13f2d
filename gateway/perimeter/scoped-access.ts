// The request's door to establishment data: built from the caller, it applies the caller's perimeter to
// every query, so a route cannot forget it. Outside the perimeter looks exactly like missing (404).
// The caller may come from a cache: every access checks it against the client's current record, in the
// query it runs anyway or in one of its own, and starts again with the current record when it changed.
// What the perimeter covers is never cached: it is resolved in the statement that reads (one index probe of the
// establishment), so a narrowed client or a moved establishment applies at the next request on every replica,
// with nothing to invalidate.
import { sql, type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Caller, Scope } from '../auth/scopes.js';
import { ForbiddenProblem, NotFoundProblem, UnauthorizedProblem } from '../errors/problems.js';
import type { AuditLog } from '../store/audit.js';
import type { Database, EstablishmentRow } from '../store/tables.js';
import { parsePerimeter, type PerimeterEntry } from './perimeter.js';
import { coversEstablishment } from './visibility.js';

export type CallerLoader = (clientId: string, tokenScopes: readonly string[]) => Promise<Caller | undefined>;

/** What a read inside one establishment refers to: the establishment (null outside the perimeter) and the position. */
export interface EstablishmentGate {
  /** The UAI when the caller may see the establishment, else null: rows keyed on it are none. */
  uai: Expression<string | null>;
  /** The change-log position of the statement's snapshot. */
  position: Expression<string>;
}

export class ScopedAccess {
  #caller: Caller;
  #perimeter: readonly PerimeterEntry[];
  #required: readonly Scope[] = [];
  #fresh = false;

  constructor(
    readonly db: Kysely<Database>,
    caller: Caller,
    private readonly loadCaller: CallerLoader,
    /** Where reads of personal data are recorded, before they are answered. */
    readonly audit: AuditLog,
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
    const row = await this.#gate(uai).selectAll('establishment').executeTakeFirstOrThrow();
    if (await this.#staleCaller(row.clientVersion)) return this.establishment(uai);
    if (row.uai === null) throw outsidePerimeter(uai);
    const { clientVersion: _version, ...establishment } = row;
    return establishment as EstablishmentRow & { position: string };
  }

  /**
   * Rows of one establishment the caller may see, read in the statement that checks the perimeter and the
   * caller's freshness: one round trip, one snapshot. `rows` builds the read from the gate's references (key the
   * rows on `gate.uai`: outside the perimeter it is null, and nothing is read); they come back in `key` order.
   * Outside the perimeter, the same 404 as `establishment`.
   */
  async readIn<Row extends { key: string }>(
    uai: string,
    rows: (gate: EstablishmentGate) => SelectQueryBuilder<Database, any, Row>,
  ): Promise<{ uai: string; position: string; rows: Row[] }> {
    const gate = this.#gate(uai).select('establishment.uai as visibleUai');
    const read = rows({ uai: sql.ref<string | null>('gate.visibleUai'), position: sql.ref<string>('gate.position') });
    const result = await sql<{ position: string; clientVersion: string | null; visibleUai: string | null } & Row>`
      with gate as (${gate})
      select gate.position, gate."clientVersion", gate."visibleUai", page.*
      from gate left join lateral (${read}) as page on true
      order by page.key`.execute(this.db);
    const [first] = result.rows;
    if (await this.#staleCaller(first.clientVersion)) return this.readIn(uai, rows);
    if (first.visibleUai === null) throw outsidePerimeter(uai);
    const found = first.key === null ? [] : result.rows.map(({ position: _p, clientVersion: _v, visibleUai: _u, ...row }) => row as unknown as Row);
    return { uai: first.visibleUai, position: first.position, rows: found };
  }

  /** The change-log position, the establishment if the caller may see it (left-joined), and the client's version. */
  #gate(uai: string) {
    return this.db
      .selectFrom('change_counter')
      // The one row, named: the planner otherwise guesses thousands, and prices what follows as many times.
      .where('change_counter.id', '=', 1)
      .leftJoin('establishment', (join) => join
        .on('establishment.uai', '=', uai)
        .on('establishment.status', '=', 'active')
        .on((eb) => coversEstablishment(eb as never, this.#perimeter)))
      .select(['change_counter.seq as position', this.#clientVersion().as('clientVersion')]);
  }

  #clientVersion(): RawBuilder<string | null> {
    return sql<string | null>`(select xmin::text from api_client where client_id = ${this.#caller.clientId} and status = 'active')`;
  }

  /** True when the caller came from a cache and the client's record changed since: it is then reloaded (or refused). */
  async #staleCaller(version: string | null): Promise<boolean> {
    if (this.#fresh || version === this.#caller.version) return false;
    await this.fresh();
    return true;
  }
}

/** The same answer for an establishment outside the perimeter as for one that does not exist. */
function outsidePerimeter(uai: string): NotFoundProblem {
  return new NotFoundProblem(`no establishment ${uai} in your perimeter`);
}
