// One establishment as a caller may see it: the only way route and feed code reads or writes its records. Each
// read goes through the store's gate (404 outside the perimeter, identical to missing), selects the rendering the
// caller's projection of the entity names, and is on the audit log before it is returned when it is personal.
import type { EntityDescriptor } from '../model/registry.js';
import { committedSequence } from '../store/changelog.js';
import { putEstablishment } from '../store/establishments.js';
import { applyBatch, type BatchResult, type RecordOperation } from '../store/records.js';
import { establishmentThroughGate, readThroughGate } from '../store/reads/gate.js';
import { pageFrom, recordPageRead, recordTotal, type FilterValues, type ListedRow, type Lookup, type Page, type PageRequest } from '../store/reads/records.js';
import type { Kysely } from 'kysely';
import type { Database, EstablishmentRow } from '../store/tables.js';
import { ForbiddenProblem, ValidationProblem } from '../errors/problems.js';
import { GUARD_SCOPES } from '../model/entities/descriptor.js';
import { guardedSources, isAudited, projectionLabel, projectionOf, seesIdentifiers } from './projection.js';
import { internalsOf, type ScopedAccess } from './scoped-access.js';

export class EstablishmentScope {
  /** Built by `ScopedAccess.establishment(uai)`. */
  constructor(private readonly access: ScopedAccess, readonly uai: string) {}

  /** The establishment, with the change-log position of the read; 404 outside the perimeter. */
  async read(): Promise<EstablishmentRow & { position: string }> {
    return this.#readFrom(await internalsOf(this.access).reading());
  }

  /** The same from the primary: the check before a write, which must see what the caller wrote just before. */
  async readForWrite(): Promise<EstablishmentRow & { position: string }> {
    return this.#readFrom(internalsOf(this.access).db);
  }

  async #readFrom(db: Kysely<Database>): Promise<EstablishmentRow & { position: string }> {
    const { gated } = internalsOf(this.access);
    const { rows: [row], position } = await gated((reader) => establishmentThroughGate(db, reader, this.uai), `establishment ${this.uai}`);
    return { ...row, position };
  }

  /**
   * A page of the establishment's records of an entity, filtered by its descriptor's filters and the look-ups,
   * read in one statement with the perimeter check, projected for the caller, and on record when personal.
   */
  async list(entity: EntityDescriptor, values: FilterValues, lookup: Lookup, request: PageRequest): Promise<Page<ListedRow>> {
    this.access.requireReadable(entity);
    this.#requireLookup(entity, lookup);
    const { gated, reading, audit, requestId } = internalsOf(this.access);
    const db = await reading(request.asOf);
    // The projection is chosen as the read is built: a caller found stale is reloaded, and the read built again.
    let projection = projectionOf(entity, this.access.scopes);
    const read = await gated((reader) => {
      // Checked again for a caller reloaded as stale: its scopes may have changed.
      this.access.requireReadable(entity);
      projection = projectionOf(entity, this.access.scopes);
      return readThroughGate(db, reader, this.uai, recordPageRead(db, entity, values, lookup, request, projection));
    }, `establishment ${this.uai}`);
    const asOf = request.asOf ?? BigInt(read.position);
    const total = await recordTotal(db, entity, read.uai, asOf, values, lookup, request);
    const page = pageFrom(read.rows, request, asOf, total, projectionLabel(projection));
    // The page is not served unless its reading is on record.
    if (isAudited(entity)) await audit.record([{ clientId: this.access.caller.clientId, uai: read.uai, entity: entity.name, count: page.rows.length, requestId }]);
    return page;
  }

  /**
   * A look-up by INE, or by a source's ids that are INEs (ONDE's), on records of people, needs
   * `roster.identifiers`: it would be an INE oracle otherwise.
   */
  #requireLookup(entity: EntityDescriptor, lookup: Lookup): void {
    if (lookup.ine !== undefined && !entity.matchOnIne) {
      throw new ValidationProblem(`/query/ine is not a look-up of ${entity.collection}`, [{ pointer: '/query/ine', detail: `${entity.collection} have no INE` }]);
    }
    const byIdentifier = lookup.ine !== undefined || (lookup.sourceId !== undefined && guardedSources(entity).includes(lookup.sourceId.source));
    if (byIdentifier && !seesIdentifiers(this.access.scopes)) throw new ForbiddenProblem(GUARD_SCOPES.identifying);
  }

  /**
   * Applies a batch to the establishment's records (404 outside the perimeter); with the change-log position
   * after it. A caller that may not read INEs cannot match people by INE: it would be an oracle.
   */
  async write(operations: RecordOperation[]): Promise<{ result: BatchResult; position: bigint }> {
    const { uai } = await this.readForWrite();
    const { db } = internalsOf(this.access);
    const result = await applyBatch(db, uai, operations, { matchOnIne: seesIdentifiers(this.access.scopes) });
    return { result, position: await committedSequence(db) };
  }

  /**
   * Creates or replaces the establishment itself (an admin's write): it must be inside the caller's perimeter as
   * stored and as written. `precondition` sees the stored version under the establishment's lock.
   */
  async put(record: Record<string, unknown>, precondition?: (current: { id: string; seq: string } | undefined) => void) {
    await this.access.fresh();
    return putEstablishment(internalsOf(this.access).db, { ...record, uai: this.uai }, { perimeter: this.access.perimeter, precondition });
  }
}
