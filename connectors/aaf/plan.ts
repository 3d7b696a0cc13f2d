// What an AAF delivery means, request by request, with no store: which establishment each structure is and how
// it is described, the subjects each structure uses, classes and groups gathered from every person naming
// them (a class takes as its level and MEF those most of its pupils are in), guardians going to the
// establishments of the pupils that name them. The importer feeds it the requests of the files in
// deliveryOrder and writes what it plans; requests a delta names by AAF id only are handed back, to be planned
// against the store (changes.ts).
import type { EstablishmentDescription } from '../annuaire/described-establishment.js';
import type { CanonicalOperation, SourceLink } from '../kit/operation.js';
import type { ConnectorProblem, SourcePosition } from '../kit/problem.js';
import { FILE_CATEGORIES, fileCategory, REQUEST_CATEGORY, type FileCategory } from './files.js';
import { guardianOf, mefOf, pupilOf, SOURCE, staffOf, structureOf, subjectOf, subjectRecord, type Mapped, type Placement, type StructuredOperation } from './map.js';
import type { AafRequest } from './read.js';

/** An operation for the store: what a connector yields, plus whether it upserts or deletes. */
export interface PlannedOperation extends CanonicalOperation {
  op: 'upsert' | 'delete';
}

/** Where an operation goes: the establishment of a structure (known once the delivery is read), or an establishment. */
export type PlanTarget = { structure: string } | { establishment: string };

/** A request a delta names by AAF id only: planned once the store says where its records are. */
export interface DeferredRequest {
  category: FileCategory;
  request: AafRequest;
  position: SourcePosition;
}

export type PlanItem =
  | { kind: 'write'; to: PlanTarget; operation: PlannedOperation }
  | { kind: 'defer'; deferred: DeferredRequest }
  | { kind: 'problem'; problem: ConnectorProblem };

/** A class or group, gathered from every person that names it, with where its pupils say it is (level, MEF). */
interface GroupDraft {
  operation: CanonicalOperation;
  /** Each distinct placement, by its JSON, with how many pupils gave it. */
  placements: Map<string, { placement: Placement; pupils: number }>;
}

export const aafId = (record: Record<string, unknown>) => (record.sourceIds as Record<string, string> | undefined)?.[SOURCE];
const levelOrder = (a: Placement, b: Placement) => ((a.level ?? '') < (b.level ?? '') ? -1 : (a.level ?? '') > (b.level ?? '') ? 1 : 0);
export const problem = (p: ConnectorProblem): PlanItem => ({ kind: 'problem', problem: p });
const defer = (category: FileCategory, request: AafRequest, position: SourcePosition): PlanItem => ({ kind: 'defer', deferred: { category, request, position } });

/**
 * A delivery's files in the order they are read (by category, then by name), and a warning for each file that
 * is no AAF file, left out.
 */
export function deliveryOrder<F extends { name: string }>(files: readonly F[]): { ordered: { category: FileCategory; file: F }[]; problems: ConnectorProblem[] } {
  const problems: ConnectorProblem[] = [];
  const byCategory = new Map<FileCategory, F[]>();
  for (const file of files) {
    const category = fileCategory(file.name);
    if (category) byCategory.set(category, [...(byCategory.get(category) ?? []), file]);
    else problems.push({ file: file.name, code: 'unknown-file', severity: 'warning', detail: `not an AAF file name (<prefix>_<Complet|Delta>_<date>_<${FILE_CATEGORIES.join('|')}>_<NNNN>.xml); left out` });
  }
  const ordered = FILE_CATEGORIES.flatMap((category) => (byCategory.get(category) ?? []).sort((a, b) => a.name.localeCompare(b.name)).map((file) => ({ category, file })));
  return { ordered, problems };
}

/** An upsert of a connector's operation, for the establishment of `to`. */
export function upsert(to: PlanTarget, operation: CanonicalOperation): PlanItem {
  return { kind: 'write', to, operation: { entity: operation.entity, op: 'upsert', record: operation.record, ...(operation.links ? { links: operation.links } : {}), position: operation.position } };
}

/**
 * The class or group most of its pupils place: ties go to the smallest level, then the smallest MEF, so that
 * the same delivery always gives the same.
 */
function chosenPlacement(draft: GroupDraft): Placement | undefined {
  return [...draft.placements].sort(([a, n], [b, m]) => m.pupils - n.pupils || levelOrder(n.placement, m.placement) || (a < b ? -1 : 1))[0]?.[1].placement;
}

export class DeliveryPlan {
  private readonly structures = new Map<string, string>(); // jointure → UAI
  private readonly descriptions = new Map<string, EstablishmentDescription>();
  private readonly subjects = new Map<string, { name: string; position: SourcePosition }>(); // code → label
  private readonly mefs = new Map<string, string>();
  private readonly usedSubjects = new Map<string, Set<string>>(); // structure → codes
  private readonly groups = new Map<string, Map<string, GroupDraft>>(); // structure → group source id → draft
  /** Guardian id → structures of the pupils naming it (a string for the usual single one: 300,000 people stay small). */
  private readonly guardianStructures = new Map<string, string | string[]>();
  private readonly unknownSubjects = new Set<string>();
  /** Establishments that pupils of a delta move away from: written last (see changes.ts). */
  readonly leftBehind = new Set<string>();

  constructor(readonly mode: 'complete' | 'delta') {}

  /** The establishments EtabEducNat describes, by UAI: created or completed before their records are written. */
  get describedEstablishments(): ReadonlyMap<string, EstablishmentDescription> {
    return this.descriptions;
  }

  /** The UAI the delivery's EtabEducNat gives a structure. */
  deliveredUai(structure: string): string | undefined {
    return this.structures.get(structure);
  }

  subjectName(code: string): string | undefined {
    return this.subjects.get(code)?.name;
  }

  /** One request of a file of `category`, in file order (files in FILE_CATEGORIES order). */
  take(category: FileCategory, request: AafRequest, position: SourcePosition): PlanItem[] {
    if (request.category !== REQUEST_CATEGORY[category]) {
      return [problem({ ...position, field: 'operationalAttributes', code: 'unexpected-category', severity: 'error', detail: `a ${request.category} request in a ${category} file; left out` })];
    }
    if (request.kind !== 'add' && this.mode === 'complete') {
      return [problem({ ...position, code: 'unexpected-request', severity: 'error', detail: `${request.kind}Request in a complete import, which holds addRequests only; left out (import delta files in delta mode)` })];
    }
    switch (category) {
      case 'EtabEducNat': {
        if (request.kind === 'delete') {
          return [problem({ ...position, code: 'unsupported-request', severity: 'warning', detail: 'establishments are not deleted from AAF: they come from the national directory; left out' })];
        }
        const structure = structureOf(request, position);
        if ('detail' in structure) return [problem(structure)];
        this.structures.set(structure.jointure, structure.uai);
        if (request.kind === 'add') this.descriptions.set(structure.uai, structure.description);
        return [];
      }
      case 'MatiereEducNat': {
        if (request.kind !== 'delete') {
          const subject = subjectOf(request, position);
          if ('detail' in subject) return [problem(subject)];
          this.subjects.set(subject.code, { name: subject.name, position });
        }
        // In a delta, a changed or deleted subject changes in every establishment that has it.
        return this.mode === 'delta' ? [defer(category, request, position)] : [];
      }
      case 'MefEducNat': {
        // MEFs are no canonical record: they label the levels and MEFs of classes, for this delivery's pupils.
        const mef = mefOf(request);
        if (mef && request.kind !== 'delete') this.mefs.set(mef.code, mef.label);
        return [];
      }
      case 'Eleve':
        return request.kind === 'add' ? this.mapped(pupilOf(request, position, { mefs: this.mefs })) : [defer(category, request, position)];
      case 'PersEducNat':
        return request.kind === 'add' ? this.mapped(staffOf(request, position)) : [defer(category, request, position)];
      case 'PersRelEleve': {
        if (request.kind !== 'add') return [defer(category, request, position)];
        const guardian = guardianOf(request, position);
        if ('detail' in guardian) return [problem(guardian)];
        const structures = this.guardianStructures.get(request.id) ?? [];
        const items = (typeof structures === 'string' ? [structures] : structures).map((structure) => upsert({ structure }, guardian));
        // A delta's guardian also changes where the store already has it.
        return this.mode === 'delta' ? [...items, defer(category, request, position)] : items;
      }
    }
  }

  /** Every guardian has been placed: the map of where is the largest thing read kept, and no longer needed. */
  doneReading(): void {
    this.guardianStructures.clear();
  }

  private mapped(mapped: Mapped): PlanItem[] {
    const items = mapped.problems.map(problem);
    for (const { structure, code } of mapped.subjects) {
      const codes = this.usedSubjects.get(structure) ?? new Set<string>();
      this.usedSubjects.set(structure, codes.add(code));
    }
    for (const item of mapped.operations) {
      if (item.operation.entity === 'guardianLink') this.noteGuardian((item.operation.links!.guardianId as SourceLink).id, item.structure);
      items.push(...this.structured(item));
    }
    return items;
  }

  private noteGuardian(guardianId: string, structure: string): void {
    const known = this.guardianStructures.get(guardianId);
    if (known === undefined) this.guardianStructures.set(guardianId, structure);
    else if (typeof known === 'string') {
      if (known !== structure) this.guardianStructures.set(guardianId, [known, structure]);
    } else if (!known.includes(structure)) known.push(structure);
  }

  /** An operation of a structure: a group is gathered (see gathered), anything else planned at once. */
  structured({ structure, operation }: StructuredOperation): PlanItem[] {
    if (operation.entity !== 'group') return [upsert({ structure }, withDescribedSubjects(operation, this.subjects))];
    const groups = this.groups.get(structure) ?? new Map<string, GroupDraft>();
    this.groups.set(structure, groups);
    const id = aafId(operation.record)!;
    // The first description of a group is kept, without the placement each pupil gives it.
    const { level, levelSource, mef, ...record } = operation.record as Placement & Record<string, unknown>;
    const draft: GroupDraft = groups.get(id) ?? { operation: { ...operation, record }, placements: new Map() };
    groups.set(id, draft);
    if (!level && !levelSource && !mef) return [];
    const placement: Placement = { ...(level ? { level } : {}), ...(levelSource ? { levelSource } : {}), ...(mef ? { mef } : {}) };
    const key = JSON.stringify(placement);
    const seen = draft.placements.get(key);
    if (seen) seen.pupils += 1;
    else draft.placements.set(key, { placement, pupils: 1 });
    return [];
  }

  /** The AAF ids of the groups gathered so far: a delta keeps what the store has of them (their level). */
  gatheredGroupIds(): string[] {
    return [...this.groups.values()].flatMap((groups) => [...groups.keys()]);
  }

  /**
   * Once all people are read: groups (with the level and MEF most of their pupils are in, over what the store
   * has of them: `stored`, by AAF id) and the subjects each structure uses.
   */
  *gathered(stored: ReadonlyMap<string, Record<string, unknown>>): Generator<PlanItem> {
    for (const [structure, groups] of this.groups) {
      for (const [id, draft] of groups) {
        const record = { ...(stored.get(id) ?? {}), ...draft.operation.record, ...chosenPlacement(draft) };
        yield upsert({ structure }, { ...draft.operation, record });
      }
    }
    this.groups.clear();
    for (const [structure, codes] of this.usedSubjects) {
      for (const code of codes) {
        const subject = this.subjects.get(code);
        if (subject) yield upsert({ structure }, subjectRecord(code, subject.name, subject.position));
        else if (this.subjects.size > 0 && !this.unknownSubjects.has(code)) {
          this.unknownSubjects.add(code);
          yield problem({ file: '(delivery)', field: 'ENTMatJointure', code: 'unknown-subject', severity: 'warning', detail: `subject code ${code} is used but no MatiereEducNat request describes it; left out` });
        }
      }
    }
  }
}

/** A teacher's subjects are linked only when MatiereEducNat describes them: the others are no records (unknown-subject). */
function withDescribedSubjects(operation: CanonicalOperation, described: ReadonlyMap<string, unknown>): CanonicalOperation {
  const subjects = operation.links?.subjectIds;
  if (!Array.isArray(subjects)) return operation;
  const kept = subjects.filter((link) => described.has(link.id));
  const { subjectIds: _all, ...links } = operation.links!;
  return { ...operation, links: kept.length ? { ...links, subjectIds: kept } : links };
}
