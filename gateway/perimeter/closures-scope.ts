// Closures of a territory (a commune's snow day) as a caller may write them: the territory must lie within its
// perimeter (a commune's client closes its écoles, not its neighbour's), else it is a 404 as for a missing one.
// Writing or lifting a closure materialises again the timetables of the establishments it covers.
import { randomUUID } from 'node:crypto';
import type { Scope } from '../auth/scopes.js';
import { ValidationProblem } from '../errors/problems.js';
import { entityNamed } from '../model/registry.js';
import { sharedRecord } from '../store/reads/records.js';
import { storedTerritoryRecord, writeTerritoryRecords } from '../store/territory-records.js';
import { establishmentsWithCourses, rematerialiseEstablishments } from '../store/timetable/rematerialise.js';
import { perimetersWithin } from './containment.js';
import { formatPerimeterEntry, parsePerimeterEntry } from './perimeter.js';
import { internalsOf, notInPerimeter, type ScopedAccess } from './scoped-access.js';

export const CLOSURE_WRITE_SCOPES: readonly Scope[] = ['sync.write', 'admin'];

export interface ClosureOutcome {
  /** The closure as stored (JSON text), or its tombstone once lifted. */
  record: string;
  /** How many establishments' timetables it changed. */
  establishments: number;
}

export class ClosuresScope {
  /** Built by `ScopedAccess.closures()`. */
  constructor(private readonly access: ScopedAccess) {}

  async create(fields: { territory: string; name: string; startDate: string; endDate: string; reason?: string }): Promise<ClosureOutcome> {
    const territory = await this.#writableTerritory(fields.territory);
    if (fields.endDate < fields.startDate) throw new ValidationProblem('/body/endDate must not be before startDate', [{ pointer: '/body/endDate', detail: `must be ${fields.startDate} or later` }]);
    const id = randomUUID();
    const { territory: _t, ...data } = fields;
    await writeTerritoryRecords(internalsOf(this.access).db, [{ entity: 'closure', territory, id, sourceIds: {}, data }]);
    return this.#applied(id, territory);
  }

  async lift(id: string): Promise<ClosureOutcome> {
    this.access.requireScopes(CLOSURE_WRITE_SCOPES);
    const { db } = internalsOf(this.access);
    const stored = await storedTerritoryRecord(db, 'closure', id);
    if (!stored) throw notInPerimeter(`closure ${id}`);
    await this.#writableTerritory(stored.territory, `closure ${id}`);
    await writeTerritoryRecords(db, [{ entity: 'closure', territory: stored.territory, id, sourceIds: stored.source_ids as Record<string, string>, data: stored.data as Record<string, unknown>, deleted: true }]);
    return this.#applied(id, stored.territory);
  }


  /** The territory as stored (`commune:69123`), when it lies within the caller's perimeter; 404 otherwise. */
  async #writableTerritory(text: string, what = `territory ${text}`): Promise<string> {
    this.access.requireScopes(CLOSURE_WRITE_SCOPES);
    await this.access.fresh();
    let territory: string;
    try {
      const entry = parsePerimeterEntry(text);
      if (entry.kind === 'uai') throw new Error('a UAI is no territory');
      territory = formatPerimeterEntry(entry);
    } catch {
      throw new ValidationProblem('/body/territory must be national, or commune:, departement:, academie: or region: and its code', [{ pointer: '/body/territory', detail: 'national, commune:69123, departement:069, academie:10 or region:84' }]);
    }
    const [within] = await perimetersWithin(internalsOf(this.access).db, this.access.perimeter, [[territory]]);
    if (!within) throw notInPerimeter(what);
    return territory;
  }

  async #applied(id: string, territory: string): Promise<ClosureOutcome> {
    const { db } = internalsOf(this.access);
    const uais = await establishmentsWithCourses(db, territory);
    await rematerialiseEstablishments(db, uais);
    const row = await sharedRecord(db, entityNamed('closure'), id, { kind: 'full' });
    return { record: row!.record, establishments: uais.length };
  }
}
