// What a delta's requests that name records by AAF id only mean, once the store has said where those records
// are (their establishment, their data, what links to them): subjects renamed or deleted in every
// establishment that has them, people deleted with their memberships and guardian links, modified in place,
// or moved, with their classes and guardians, to the establishment of their new structure. Pure: the importer
// looks the records up and writes what is planned here.
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import { guardianLinks, guardianOf, memberships, SOURCE, type NamedGuardian, type PersonModification } from './map.js';
import { aafId, upsert, type DeliveryPlan, type PlanItem, type PlannedOperation } from './plan.js';
import type { AafRequest } from './read.js';

/** A record the store holds, in an establishment the import may write to. */
export interface StoredRecord {
  id: string;
  uai: string;
  data: Record<string, unknown>;
}

/** A membership or guardian link pointing at a stored person, with its group's kind for a membership. */
export interface StoredLink extends StoredRecord {
  entity: PlannedOperation['entity'];
  sourceIds: Record<string, string>;
  groupKind: string | null;
}


const write = (uai: string, operation: PlannedOperation): PlanItem => ({ kind: 'write', to: { establishment: uai }, operation });
const deleted = (uai: string, entity: PlannedOperation['entity'], id: string, position: SourcePosition) => write(uai, { entity, op: 'delete', record: { id }, position });

/** A subject's modify or delete request, for one establishment that has it; `name` is what MatiereEducNat now says. */
export function subjectChange(request: AafRequest, position: SourcePosition, row: StoredRecord, name: string | undefined): PlanItem {
  if (request.kind === 'delete') return deleted(row.uai, 'subject', row.id, position);
  return write(row.uai, { entity: 'subject', op: 'upsert', record: { ...row.data, name, sourceIds: { [SOURCE]: request.id } }, position });
}

/** A request for an AAF id no establishment the import may write to holds. */
export function unknownRecordProblem(request: AafRequest, position: SourcePosition): ConnectorProblem | undefined {
  if (request.kind === 'add') return undefined;
  return { ...position, code: 'unknown-record', severity: 'warning', detail: `${request.kind}Request for AAF id ${request.id}, which no establishment this import may write to holds; left out` };
}

/** A person's deleteRequest: its memberships and guardian links go with it. */
export function personDeletion(row: StoredRecord, linked: readonly StoredLink[], position: SourcePosition): PlanItem[] {
  return [...linked.map((link) => deleted(row.uai, link.entity, link.id, position)), deleted(row.uai, 'person', row.id, position)];
}

/** A guardian already in the store, delivered again by a delta: it changes where it is. */
export function guardianRedelivered(request: AafRequest, position: SourcePosition, row: StoredRecord): PlanItem[] {
  const guardian = guardianOf(request, position);
  return 'detail' in guardian ? [] : [upsert({ establishment: row.uai }, guardian)];
}

/** The person's data with the fields a modification sets or clears. */
export function modifiedData(row: StoredRecord, change: PersonModification): Record<string, unknown> {
  const data: Record<string, unknown> = { ...row.data };
  for (const [field, value] of Object.entries(change.fields)) {
    if (value === undefined) delete data[field];
    else data[field] = value;
  }
  return data;
}

/** A pupil's new structure, which neither the delivery nor the store places in one establishment. */
export function unplacedStructureProblem(position: SourcePosition, structure: string, uai: string): ConnectorProblem {
  return { ...position, field: 'ENTPersonStructRattach', code: 'unknown-structure', severity: 'warning', detail: `structure ${structure} is not described by the delivery and the store has no class of it (or has some in several establishments); the pupil stays in ${uai}` };
}

/**
 * A person's modifyRequest applied where it is: its data, and the class, group and guardian lists the request
 * replaces (memberships and links it no longer names are deleted).
 */
export function modificationInPlace(
  plan: DeliveryPlan, category: 'Eleve' | 'PersEducNat' | 'PersRelEleve', request: AafRequest, position: SourcePosition,
  row: StoredRecord, linked: readonly StoredLink[], change: PersonModification,
): PlanItem[] {
  const items: PlanItem[] = [write(row.uai, { entity: 'person', op: 'upsert', record: { ...modifiedData(row, change), sourceIds: { [SOURCE]: request.id } }, position })];
  const role = category === 'Eleve' ? 'pupil' : 'teacher';
  const replaced: [('division' | 'group'), string[] | undefined][] = [['division', change.divisions], ['group', change.groups]];
  for (const [kind, values] of replaced) {
    if (!values) continue;
    const kept = new Set<string>();
    for (const item of memberships(values, kind, request.id, role, position, {}, change.subjects)) {
      if (item.operation.entity === 'membership') kept.add(aafId(item.operation.record)!);
      items.push(...plan.structured(item));
    }
    for (const link of linked) {
      const id = link.sourceIds[SOURCE];
      if (link.entity === 'membership' && link.groupKind === kind && id && !kept.has(id)) items.push(deleted(row.uai, 'membership', link.id, position));
    }
  }
  if (change.guardians) {
    const kept = new Set<string>();
    for (const item of guardianLinks('', request.id, change.guardians, position)) {
      kept.add(aafId(item.operation.record)!);
      items.push(upsert({ establishment: row.uai }, item.operation));
    }
    for (const link of guardianLinksOf(linked, row.id)) {
      const id = link.sourceIds[SOURCE];
      if (id && !kept.has(id)) items.push(deleted(row.uai, 'guardianLink', link.id, position));
    }
  }
  return items;
}

/** The stored guardian links of a pupil. */
export function guardianLinksOf(linked: readonly StoredLink[], pupilId: string): StoredLink[] {
  return linked.filter((link) => link.entity === 'guardianLink' && link.data.pupilId === pupilId);
}

/**
 * The guardians a moving pupil brings: those the request names, or else those its stored links name
 * (`aafIdOf`: the AAF id of each linked guardian record, by gateway id).
 */
export function guardiansOfMove(change: PersonModification, links: readonly StoredLink[], aafIdOf: ReadonlyMap<string, string>): NamedGuardian[] {
  return change.guardians ?? links.flatMap((link) => {
    const aaf = aafIdOf.get(link.data.guardianId as string);
    const relationship = link.data.relationship as NamedGuardian['relationship'] | undefined;
    return aaf ? [{ guardianId: aaf, legal: link.data.legalRepresentative as boolean, ...(relationship ? { relationship } : {}) }] : [];
  });
}

/**
 * A pupil now attached to a structure of another establishment leaves the one it was in, with its memberships
 * and guardian links, for the other: there it has the classes and groups the request names (the old ones were
 * the old establishment's), and its guardians (`named`, whose stored records are `guardians` by AAF id) come along.
 */
export function pupilMove(
  plan: DeliveryPlan, request: AafRequest, position: SourcePosition, row: StoredRecord, linked: readonly StoredLink[],
  change: PersonModification, destination: string, named: readonly NamedGuardian[], guardians: ReadonlyMap<string, Record<string, unknown>>,
): PlanItem[] {
  plan.leftBehind.add(row.uai);
  const items: PlanItem[] = [
    ...personDeletion(row, linked, position),
    write(destination, { entity: 'person', op: 'upsert', record: { ...modifiedData(row, change), sourceIds: { [SOURCE]: request.id } }, position }),
  ];
  const lists: ['division' | 'group', string[] | undefined][] = [['division', change.divisions], ['group', change.groups]];
  for (const [kind, values] of lists) {
    for (const item of memberships(values ?? [], kind, request.id, 'pupil', position)) items.push(...plan.structured(item));
  }
  for (const [id, guardian] of guardians) items.push(write(destination, { entity: 'person', op: 'upsert', record: { ...guardian, sourceIds: { [SOURCE]: id } }, position }));
  for (const item of guardianLinks('', request.id, [...named], position)) items.push(upsert({ establishment: destination }, item.operation));
  return items;
}
