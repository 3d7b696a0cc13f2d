// Aggregates as a caller may read them: over a territory that lies wholly inside its perimeter (anything else is
// answered as missing, whether it exists or not), from the establishments' facts; never a person's record.
import type { Scope } from '../auth/scopes.js';
import { factCells, factsRefreshedAt, territoryWithin, type Dimension, type FactCell } from '../store/aggregates/cells.js';
import { formatPerimeterEntry, type PerimeterEntry } from './perimeter.js';
import { internalsOf, notInPerimeter, type ScopedAccess } from './scoped-access.js';

export const AGGREGATES_SCOPES: readonly Scope[] = ['aggregates.read'];

export class AggregatesScope {
  /** Built by `ScopedAccess.aggregates()`. */
  constructor(private readonly access: ScopedAccess) {}

  /** The territory's cells by `by`, every margin included, and when the facts behind them were brought up to date. */
  async cells(territory: PerimeterEntry, by: readonly Dimension[]): Promise<{ cells: FactCell[]; freshAt: Date }> {
    this.access.requireScopes(AGGREGATES_SCOPES);
    await this.access.fresh();
    const { db } = internalsOf(this.access);
    if (!(await territoryWithin(db, territory, this.access.perimeter))) throw notInPerimeter(`territory ${formatPerimeterEntry(territory)}`);
    const [cells, freshAt] = await Promise.all([factCells(db, territory, by), factsRefreshedAt(db)]);
    return { cells, freshAt };
  }
}
