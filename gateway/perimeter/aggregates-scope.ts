// Aggregates as a caller may read them: over a territory that lies wholly inside its perimeter (anything else is
// answered as missing, whether it exists or not), from the establishments' facts; never a person's record.
import type { Scope } from '../auth/scopes.js';
import { factCells, factsRefreshedAt, loginCells, occurrenceCells, territoryWithin, type Dimension, type FactCell } from '../store/aggregates/cells.js';
import { formatPerimeterEntry, type PerimeterEntry } from './perimeter.js';
import { internalsOf, notInPerimeter, type ScopedAccess } from './scoped-access.js';

/** Where a measure's numbers come from (measures.ts `source`), with the dates of those over time. */
export type Source = { kind: 'facts' } | { kind: 'logins' | 'occurrences'; from: string; to: string };

export const AGGREGATES_SCOPES: readonly Scope[] = ['aggregates.read'];

export class AggregatesScope {
  /** Built by `ScopedAccess.aggregates()`. */
  constructor(private readonly access: ScopedAccess) {}

  /**
   * The territory's cells by `by`, every margin included, and how fresh they are: from the establishments'
   * facts (as of their last refresh), or between two dates SSO's daily login counts or the lesson occurrences
   * (as of now).
   */
  async cells(territory: PerimeterEntry, by: readonly Dimension[], source: Source): Promise<{ cells: FactCell[]; freshAt: Date }> {
    this.access.requireScopes(AGGREGATES_SCOPES);
    await this.access.fresh();
    const db = await internalsOf(this.access).reading();
    if (!(await territoryWithin(db, territory, this.access.perimeter))) throw notInPerimeter(`territory ${formatPerimeterEntry(territory)}`);
    if (source.kind === 'logins') return { cells: await loginCells(db, territory, by, source.from, source.to), freshAt: new Date() };
    if (source.kind === 'occurrences') return { cells: await occurrenceCells(db, territory, by, source.from, source.to), freshAt: new Date() };
    const [cells, freshAt] = await Promise.all([factCells(db, territory, by), factsRefreshedAt(db)]);
    return { cells, freshAt };
  }
}
