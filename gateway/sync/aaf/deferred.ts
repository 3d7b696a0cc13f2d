// A delta's requests that name records by AAF id only (modifications, deletions, guardians and subjects
// delivered again), planned once the store says where those records are: look-ups here, meaning in
// connectors/aaf/changes.ts. Read from the spool a chunk at a time, so that a large delta keeps flat memory.
import type { Kysely } from 'kysely';
import {
  guardianLinksOf, guardianRedelivered, guardiansOfMove, modificationInPlace, personDeletion, pupilMove, subjectChange,
  unknownRecordProblem, unplacedStructureProblem, type StoredLink, type StoredRecord,
} from '../../../connectors/aaf/changes.js';
import { personModification, SOURCE } from '../../../connectors/aaf/map.js';
import type { DeferredRequest, DeliveryPlan, PlanItem } from '../../../connectors/aaf/plan.js';
import type { ConnectorProblem } from '../../../connectors/kit/problem.js';
import { recordsWithIds } from '../../store/records.js';
import { establishmentsOfGroupStructures, linksToPeople, recordsBySourceIds, type SourcedRecord } from '../../store/source-records.js';
import type { Database } from '../../store/tables.js';
import type { ImportRequest } from '../importer.js';
import { DEFERRED, spoolPlanned, type AafSpool } from './spool.js';

const DEFERRED_CHUNK = 2000;
const PERSON_ROLE = { Eleve: 'pupil', PersRelEleve: 'guardian', PersEducNat: 'teacher' } as const;
type PersonCategory = keyof typeof PERSON_ROLE;

const stored = (row: { id: string; uai: string; data: unknown }): StoredRecord => ({ id: row.id, uai: row.uai, data: row.data as Record<string, unknown> });

export class DeferredRequests {
  /** Structures the delivery does not describe → the one establishment whose classes the store has of them. */
  private readonly storedStructures = new Map<string, string | undefined>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly request: ImportRequest,
    private readonly plan: DeliveryPlan,
    private readonly spool: AafSpool,
    private readonly problems: ConnectorProblem[],
  ) {}

  /** Plans every deferred request, a chunk at a time. */
  async planAll(): Promise<void> {
    let chunk: DeferredRequest[] = [];
    for await (const entry of this.spool.read(DEFERRED)) {
      chunk.push(entry as DeferredRequest);
      if (chunk.length === DEFERRED_CHUNK) {
        await this.planChunk(chunk);
        chunk = [];
      }
    }
    if (chunk.length) await this.planChunk(chunk);
  }

  /** What the store holds of the groups a delta names, by AAF id, so that it keeps what the delta does not say (the level). */
  async storedGroups(ids: string[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const row of await recordsBySourceIds(this.db, this.request.perimeter, 'group', SOURCE, ids)) {
      if (row.status === 'active') out.set(row.sourceId, row.data as Record<string, unknown>);
    }
    return out;
  }

  private spooled(items: Iterable<PlanItem>): Promise<void> {
    return spoolPlanned(this.spool, this.problems, items);
  }

  private async planChunk(chunk: DeferredRequest[]): Promise<void> {
    this.request.signal?.throwIfAborted();
    const subjects = chunk.filter((d) => d.category === 'MatiereEducNat');
    const people = chunk.filter((d) => d.category !== 'MatiereEducNat');
    if (subjects.length) {
      const rows = await recordsBySourceIds(this.db, this.request.perimeter, 'subject', SOURCE, subjects.map((d) => d.request.id));
      for (const { request, position } of subjects) {
        const name = this.plan.subjectName(request.id);
        await this.spooled(rows.filter((r) => r.sourceId === request.id && r.status === 'active').map((row) => subjectChange(request, position, stored(row), name)));
      }
    }
    if (people.length === 0) return;
    const rows = (await recordsBySourceIds(this.db, this.request.perimeter, 'person', SOURCE, people.map((d) => d.request.id))).filter((r) => r.status === 'active');
    const links = new Map<string, StoredLink[]>();
    for (const uai of new Set(rows.map((r) => r.uai))) {
      const found = await linksToPeople(this.db, uai, rows.filter((r) => r.uai === uai).map((r) => r.id));
      links.set(uai, found.map((l) => ({ ...stored(l), entity: l.entity as StoredLink['entity'], sourceIds: l.source_ids as Record<string, string>, groupKind: l.groupKind })));
    }
    for (const deferred of people) {
      const found = rows.filter((r) => r.sourceId === deferred.request.id);
      if (found.length === 0) {
        const unknown = unknownRecordProblem(deferred.request, deferred.position);
        if (unknown) this.problems.push(unknown);
        continue;
      }
      for (const row of found) {
        const linked = (links.get(row.uai) ?? []).filter((l) => Object.values(l.data).includes(row.id));
        await this.planPerson(deferred, row, linked);
      }
    }
  }

  private async planPerson({ category, request, position }: DeferredRequest, row: SourcedRecord, linked: StoredLink[]): Promise<void> {
    const person = stored(row);
    if (request.kind === 'delete') return this.spooled(personDeletion(person, linked, position));
    if (request.kind === 'add') return this.spooled(guardianRedelivered(request, position, person));
    const change = personModification(request, PERSON_ROLE[category as PersonCategory], position);
    this.problems.push(...change.problems);
    if (change.problems.some((p) => p.severity === 'error')) return;
    if (change.structure !== undefined) {
      const destination = await this.establishmentOfStructure(change.structure);
      if (destination === undefined) this.problems.push(unplacedStructureProblem(position, change.structure, row.uai));
      else if (destination !== row.uai) {
        const links = guardianLinksOf(linked, row.id);
        const aafIdOf = new Map((await recordsWithIds(this.db, links.map((link) => link.data.guardianId as string)))
          .map((guardian) => [guardian.id, (guardian.source_ids as Record<string, string>)[SOURCE]]));
        const named = guardiansOfMove(change, links, aafIdOf);
        return this.spooled(pupilMove(this.plan, request, position, person, linked, change, destination, named, await this.guardiansLeaving(named.map((g) => g.guardianId), row.uai)));
      }
    }
    await this.spooled(modificationInPlace(this.plan, category as PersonCategory, request, position, person, linked, change));
  }

  /** The guardians' records as the store has them, by AAF id, preferably in the establishment the pupil leaves. */
  private async guardiansLeaving(aafIds: string[], leaving: string): Promise<Map<string, Record<string, unknown>>> {
    const guardians = new Map<string, Record<string, unknown>>();
    for (const guardian of await recordsBySourceIds(this.db, this.request.perimeter, 'person', SOURCE, aafIds)) {
      if (guardian.status === 'active' && (!guardians.has(guardian.sourceId) || guardian.uai === leaving)) guardians.set(guardian.sourceId, guardian.data as Record<string, unknown>);
    }
    return guardians;
  }

  /** The establishment of an AAF structure: the delivery's EtabEducNat says it, or else the classes the store has of it. */
  private async establishmentOfStructure(structure: string): Promise<string | undefined> {
    const delivered = this.plan.deliveredUai(structure);
    if (delivered) return delivered;
    if (!this.storedStructures.has(structure)) {
      const found = (await establishmentsOfGroupStructures(this.db, this.request.perimeter, SOURCE, [structure])).get(structure) ?? [];
      this.storedStructures.set(structure, found.length === 1 ? found[0] : undefined);
    }
    return this.storedStructures.get(structure);
  }
}
