// What a caller's whole perimeter holds: its establishments, any record by id, and the change feed. Like an
// establishment's scope, it projects per entity and audits personal reads itself.
import type { EntityDescriptor } from '../model/registry.js';
import type { AuditEntry } from '../store/audit.js';
import { readChanges, type ChangeCursor, type ChangePage } from '../store/reads/changes.js';
import { noRows, readThroughGate } from '../store/reads/gate.js';
import {
  establishmentOfRecord, establishmentPage, pageFrom, recordRead, sharedRecord, type FilterValues, type ListedRow, type Page, type PageRequest,
} from '../store/reads/records.js';
import { isAudited, projectionLabel, projectionOf, readableEntities, seesIdentifiers } from './projection.js';
import { internalsOf, notInPerimeter, type ScopedAccess } from './scoped-access.js';
import { IDENTIFYING_SOURCES } from '../model/identifying.js';

export interface ChangeFilters {
  /** Only these entities (each must be one the caller reads). */
  entities?: readonly EntityDescriptor[];
  /** Only this establishment's records (404 outside the perimeter). */
  uai?: string;
}

export class PerimeterScope {
  /** Built by `ScopedAccess.perimeterScope()`. */
  constructor(private readonly access: ScopedAccess) {}

  /** A page of the establishments the perimeter covers. */
  async establishments(entity: EntityDescriptor, values: FilterValues, request: PageRequest): Promise<Page<ListedRow>> {
    await this.access.fresh();
    const db = await internalsOf(this.access).reading(request.asOf);
    const { rows, asOf, total } = await establishmentPage(db, entity, this.access.perimeter, values, request);
    return pageFrom(rows, request, asOf, total, projectionLabel(projectionOf(entity, this.access.scopes)));
  }

  /** One record by id, wherever in the perimeter it is (404 outside, as missing), projected and audited. */
  async record(entity: EntityDescriptor, id: string): Promise<{ row: ListedRow; rendering: string }> {
    this.access.requireReadable(entity);
    const { gated, reading, audit, requestId } = internalsOf(this.access);
    const db = await reading();
    let projection = projectionOf(entity, this.access.scopes);
    if (entity.belongsTo !== 'establishment') {
      const row = await sharedRecord(db, entity, id, projection);
      if (!row) throw notInPerimeter(`${entity.name} ${id}`);
      return { row, rendering: projectionLabel(projection) };
    }
    const read = await gated((reader) => {
      // Checked again for a caller reloaded as stale: its scopes may have changed.
      this.access.requireReadable(entity);
      projection = projectionOf(entity, this.access.scopes);
      return readThroughGate(db, reader, establishmentOfRecord(entity, id), recordRead(db, entity, id, projection));
    }, `${entity.name} ${id}`);
    const [row] = read.rows;
    if (!row) throw notInPerimeter(`${entity.name} ${id}`);
    if (isAudited(entity)) await audit.record([{ clientId: this.access.caller.clientId, uai: read.uai, entity: entity.name, count: 1, requestId }]);
    return { row, rendering: projectionLabel(projection) };
  }

  /**
   * The establishment of a record of the entity the caller may see (its id's), without reading the record
   * itself: what a calendar subscription checks its target against. 404 outside the perimeter, as missing.
   */
  async targetEstablishment(entity: EntityDescriptor, id: string): Promise<string> {
    const { gated, db } = internalsOf(this.access);
    const read = await gated((reader) => readThroughGate(db, reader, establishmentOfRecord(entity, id), noRows(db)), `${entity.name} ${id}`);
    return read.uai;
  }

  /** The changes after `cursor` the caller may see, projected per entity; personal ones on record before they are returned. */
  async changes(cursor: ChangeCursor, limit: number, filters: ChangeFilters = {}): Promise<ChangePage> {
    await this.access.fresh();
    const { reading, audit, requestId } = internalsOf(this.access);
    // The position the cursor holds (the one it catches up to, while it does): the read must hold it too.
    const db = await reading(BigInt(cursor.t ?? cursor.s));
    if (filters.uai !== undefined) await this.access.establishment(filters.uai).read();
    const scopes = this.access.scopes;
    const readable = readableEntities(scopes).filter((e) => !filters.entities || filters.entities.includes(e));
    const page = await readChanges(db, {
      clientId: this.access.caller.clientId,
      perimeter: this.access.perimeter,
      entities: readable,
      projections: new Map(readable.map((e) => [e.name, projectionOf(e, scopes)])),
      hiddenSources: seesIdentifiers(scopes) ? [] : IDENTIFYING_SOURCES,
      uai: filters.uai,
    }, cursor, limit);
    const audited = new Map<string, AuditEntry>();
    const personal = new Set(readable.filter(isAudited).map((e) => e.name));
    for (const { op, row } of page.entries) {
      if (op !== 'upsert' || !personal.has(row.entity)) continue;
      const key = `${row.uai}/${row.entity}`;
      const entry = audited.get(key) ?? { clientId: this.access.caller.clientId, uai: row.uai, entity: row.entity, count: 0, requestId };
      entry.count += 1;
      audited.set(key, entry);
    }
    await audit.record([...audited.values()]);
    return page;
  }
}
