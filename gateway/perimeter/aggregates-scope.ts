// Aggregates as a caller may read them: over a territory that lies wholly inside its perimeter (anything else is
// answered as missing, whether it exists or not), from the establishments' facts, the logins, lessons and
// import jobs of that territory's establishments only; never a person's record.
import type { Kysely } from 'kysely';
import { isRefreshed, type DatedSource } from '../aggregates/measures.js';
import type { Scope } from '../auth/scopes.js';
import { factCells, factsRefreshedAt, loginCells, territoryWithin, type Dates, type Dimension, type FactCell } from '../store/aggregates/cells.js';
import { syncCells } from '../store/aggregates/sync-cells.js';
import { occupancyCells, occurrenceCells } from '../store/aggregates/timetable-cells.js';
import type { Database } from '../store/tables.js';
import { formatPerimeterEntry, type PerimeterEntry } from './perimeter.js';
import { internalsOf, notInPerimeter, type ScopedAccess } from './scoped-access.js';

/** Where a measure's numbers come from (measures.ts `source`), with the dates of those over time. */
export type Source = { kind: 'facts' } | ({ kind: DatedSource } & Dates) | { kind: 'sync'; staleDays: number };

export const AGGREGATES_SCOPES: readonly Scope[] = ['aggregates.read'];

type DatedCells = (db: Kysely<Database>, territory: PerimeterEntry, by: readonly Dimension[], dates: Dates) => Promise<FactCell[]>;

const DATED_CELLS: Record<DatedSource, DatedCells> = { logins: loginCells, occurrences: occurrenceCells, occupancy: occupancyCells };

export class AggregatesScope {
  /** Built by `ScopedAccess.aggregates()`. */
  constructor(private readonly access: ScopedAccess) {}

  /** The reads of a territory that lies wholly inside the caller's perimeter, checked once for all of them. */
  async of(territory: PerimeterEntry): Promise<TerritoryAggregates> {
    this.access.requireScopes(AGGREGATES_SCOPES);
    await this.access.fresh();
    const db = await internalsOf(this.access).reading();
    if (!(await territoryWithin(db, territory, this.access.perimeter))) throw notInPerimeter(`territory ${formatPerimeterEntry(territory)}`);
    return new TerritoryAggregates(db, territory);
  }
}

export class TerritoryAggregates {
  constructor(private readonly db: Kysely<Database>, private readonly territory: PerimeterEntry) {}

  /** When the establishments' facts were last brought up to date. */
  factsFreshAt(): Promise<Date> {
    return factsRefreshedAt(this.db);
  }

  /**
   * The territory's cells by `by`, every margin included, and how fresh they are: as of the last refresh from the
   * establishments' facts (`freshAt` when the caller has just read it) and between two dates from the lessons'
   * day sums (the lessons, the rooms' time); as of now between two dates from SSO's daily login counts, or from
   * the import jobs.
   */
  async cells(by: readonly Dimension[], source: Source, freshAt?: Date): Promise<{ cells: FactCell[]; freshAt: Date }> {
    const { db, territory } = this;
    if (source.kind === 'sync') return { cells: await syncCells(db, territory, by, source.staleDays), freshAt: new Date() };
    // The refresh time is read before the numbers, which are then at least that fresh. One statement at a time: on
    // a replica, the request's reads share one connection.
    const asOf = isRefreshed(source.kind) ? freshAt ?? await factsRefreshedAt(db) : new Date();
    const cells = source.kind === 'facts' ? await factCells(db, territory, by) : await DATED_CELLS[source.kind](db, territory, by, source);
    return { cells, freshAt: asOf };
  }
}
