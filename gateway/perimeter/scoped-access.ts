// The request's door to the data: built from the caller, it hands out only accessors bound to the caller's
// perimeter and scopes (an establishment's scope, the perimeter's listings, the change feed), which project
// records per entity and audit personal reads themselves. There is no database handle to take instead.
// The caller may come from a cache: every access checks it against the client's current record, in the
// query it runs anyway, and starts again with the current record when it changed. What the perimeter covers is
// never cached: it is resolved in the statement that reads, so a narrowed client or a moved establishment
// applies at the next request on every replica, with nothing to invalidate. Reads of the feeds go through the
// request's read session (a streaming replica's, when there is one); writes, and the checks before them, to `db`.
import type { Kysely } from 'kysely';
import type { Caller, Scope } from '../auth/scopes.js';
import { ForbiddenProblem, NotFoundProblem, notInPerimeterDetail, UnauthorizedProblem } from '../errors/problems.js';
import type { EntityDescriptor } from '../model/registry.js';
import type { AuditLog } from '../store/audit.js';
import type { GatedRows, Reader } from '../store/reads/gate.js';
import { primaryReads, type ReadSession } from '../store/read-side.js';
import type { Database } from '../store/tables.js';
import { parsePerimeter, type PerimeterEntry } from './perimeter.js';
import { AggregatesScope } from './aggregates-scope.js';
import { ClientsScope } from './clients-scope.js';
import { ClosuresScope } from './closures-scope.js';
import { EstablishmentScope } from './establishment-scope.js';
import { JobsScope } from './jobs-scope.js';
import { OccupancyScope } from './occupancy-scope.js';
import { PerimeterScope } from './perimeter-scope.js';
import { canRead } from './projection.js';
import { TimetableScope } from './timetable-scope.js';

export type CallerLoader = (clientId: string, tokenScopes: readonly string[]) => Promise<Caller | undefined>;

/** What only the accessors of this folder may use: the store, behind the caller's perimeter. */
export interface AccessInternals {
  /** The primary: writes, and what must see them (the checks before a write, subscriptions, jobs, clients). */
  readonly db: Kysely<Database>;
  /**
   * Where reads of listings, look-ups, feeds, occupancy and aggregates go: a database holding every change up to
   * `position` (a cursor's), the same one for the whole request.
   */
  reading(position?: bigint): Promise<Kysely<Database>>;
  readonly audit: AuditLog;
  readonly requestId: string | null;
  /**
   * Runs a gated read, again with the reloaded caller when the cached one turns out stale; outside the
   * perimeter (or missing), the 404 of `missing` (`establishment 0750655E`).
   */
  gated<Row>(read: (reader: Reader) => Promise<GatedRows<Row>>, missing: string): Promise<GatedRows<Row> & { uai: string }>;
}

/** Answers for a record or establishment outside the perimeter exactly as for a missing one. */
export function notInPerimeter(what: string): NotFoundProblem {
  return new NotFoundProblem(notInPerimeterDetail(what));
}

const internals = new WeakMap<ScopedAccess, AccessInternals>();

/** The store behind an access, for the scoped accessors of perimeter/ (never exported past them). */
export function internalsOf(access: ScopedAccess): AccessInternals {
  return internals.get(access)!;
}

export class ScopedAccess {
  #caller: Caller;
  #perimeter: readonly PerimeterEntry[];
  #required: readonly Scope[] = [];
  #fresh = false;

  constructor(
    db: Kysely<Database>, caller: Caller, private readonly loadCaller: CallerLoader, audit: AuditLog, requestId: string | null = null,
    reads: ReadSession = primaryReads(db).session(),
  ) {
    this.#caller = caller;
    this.#perimeter = parsePerimeter(caller.perimeter);
    internals.set(this, {
      db, audit, requestId,
      reading: (position) => reads.at(position),
      gated: async (read, missing) => {
        for (;;) {
          const result = await read({ clientId: this.#caller.clientId, perimeter: this.#perimeter });
          if (!this.#fresh && result.clientVersion !== this.#caller.version) {
            await this.fresh();
            continue;
          }
          if (result.uai === null) throw notInPerimeter(missing);
          return result as typeof result & { uai: string };
        }
      },
    });
  }

  get caller(): Caller {
    return this.#caller;
  }

  get perimeter(): readonly PerimeterEntry[] {
    return this.#perimeter;
  }

  get scopes(): ReadonlySet<Scope> {
    return this.#caller.scopes;
  }

  /** Lets the request go on if the caller holds one of the scopes (none: any caller); checked again if it is reloaded. */
  requireScopes(scopes: readonly Scope[]): void {
    this.#required = scopes;
    if (scopes.length > 0 && !scopes.some((s) => this.#caller.scopes.has(s))) throw new ForbiddenProblem(scopes);
  }

  /** Refuses an entity the caller's scopes do not open (403, naming the scopes that would). */
  requireReadable(entity: EntityDescriptor): void {
    if (!canRead(entity, this.#caller.scopes)) throw new ForbiddenProblem(entity.readScopes);
  }

  /**
   * One establishment as the caller may see it: every read and write of its records goes through this scope,
   * which answers 404 outside the perimeter (checked in the statement that reads, not before).
   */
  establishment(uai: string): EstablishmentScope {
    return new EstablishmentScope(this, uai);
  }

  /** What the whole perimeter holds: establishments, records by id, the change feed. */
  perimeterScope(): PerimeterScope {
    return new PerimeterScope(this);
  }

  /** Occurrences and iCalendar sessions, per establishment of the perimeter. */
  timetable(): TimetableScope {
    return new TimetableScope(this);
  }

  /** Rooms and their busy intervals, per establishment or over the whole perimeter (no personal data). */
  occupancy(): OccupancyScope {
    return new OccupancyScope(this);
  }

  /** Closures of the territories within the perimeter (writes: sync.write or admin). */
  closures(): ClosuresScope {
    return new ClosuresScope(this);
  }

  /** Aggregated counts over territories of the perimeter (aggregates.read): no individual record. */
  aggregates(): AggregatesScope {
    return new AggregatesScope(this);
  }

  /** The sync jobs the caller may see and act on. */
  jobs(): JobsScope {
    return new JobsScope(this);
  }

  /** The API clients an `admin` caller manages. */
  clients(): ClientsScope {
    return new ClientsScope(this);
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
}
