// Imports an AAF delivery (the académie's ficAlimMENESR files for ENTs, second or first degree) into the
// establishments it covers. EtabEducNat says which UAI each AAF structure is, and describes the establishment,
// created or completed (inside the submitter's perimeter) before its records are written; MatiereEducNat names
// the subjects (each establishment gets those its pupils and teachers use) and MefEducNat the MEFs, no canonical
// record: a class takes as its level and MEF those most of its pupils are in. Pupils, guardians (in the
// establishments of the pupils that name them) and staff then go to their establishments. Files are not
// sorted by establishment, so one streaming pass spools each establishment's operations to a temporary file;
// establishments are then written a few at a time, each in one transaction of its own: a complete delivery
// replaces what AAF delivered there, a delta applies its add, modify and delete requests. A file that cannot
// be read whole stops the import before anything is written.
import type { Kysely } from 'kysely';
import { FILE_CATEGORIES, fileCategory, REQUEST_CATEGORY, type FileCategory } from '../../connectors/aaf/files.js';
import {
  AAF_ATTRIBUTES, guardianLinks, guardianOf, mefOf, memberships, personModification, pupilOf, SOURCE, staffOf, structureOf,
  subjectOf, subjectRecord, type Mapped, type NamedGuardian, type PersonModification, type Placement, type StructuredOperation,
} from '../../connectors/aaf/map.js';
import { aafReaderThread, readAafRequests, type AafItem, type AafReadOptions, type AafRequest } from '../../connectors/aaf/read.js';
import type { ReaderThread } from '../../connectors/kit/worker-reader.js';
import type { CanonicalOperation, SourceLink } from '../../connectors/kit/operation.js';
import { FileProblem, type ConnectorProblem, type SourcePosition } from '../../connectors/kit/problem.js';
import { applyBatch, BatchRejected, ImportHeld, recordsWithIds, UnknownEstablishment, type Outcome, type RecordOperation, type RosterEntity } from '../store/records.js';
import { establishmentsOfGroupStructures, linksToPeople, recordsBySourceIds } from '../store/source-records.js';
import { establishmentsWithin } from '../store/establishments.js';
import type { EstablishmentDescription } from '../../connectors/annuaire/described-establishment.js';
import { outsideProblem, writeDescribedEstablishment } from './described-establishment.js';
import type { Database } from '../store/tables.js';
import { identifierWarningsAt } from './identifier-warnings.js';
import { noCounts, sumCounts, type ImportCounts } from './import-counts.js';
import type { EstablishmentOutcome, Importer, ImportRequest, SourceFile } from './importer.js';
import { OperationSpool } from './operation-spool.js';
import { withBoundedHeapGrowth } from './heap-growth.js';
import { refusedRecordProblems } from './import-roster.js';

/** One spooled operation: what applyBatch takes, with where it came from. */
interface Spooled extends RecordOperation {
  position: SourcePosition;
}

/** A request a delta names by AAF id only: applied once the store says where its records are. */
interface Deferred {
  category: FileCategory;
  request: AafRequest;
  position: SourcePosition;
}

/** A class or group, gathered from every person that names it, with where its pupils say it is (level, MEF). */
interface GroupDraft {
  operation: CanonicalOperation;
  /** Each distinct placement, by its JSON, with how many pupils gave it. */
  placements: Map<string, { placement: Placement; pupils: number }>;
}

const ORDER: RosterEntity[] = ['subject', 'group', 'person', 'membership', 'guardianLink'];
const DEFERRED_CHUNK = 2000;
/** From this size on, a file is parsed in a worker thread, beside the mapping and spooling of what it holds. */
const IN_WORKER_BYTES = 4 * 1024 * 1024;
const WRITERS = 3;
const PERSON_ROLE = { Eleve: 'pupil', PersRelEleve: 'guardian', PersEducNat: 'teacher' } as const;

const structureKey = (jointure: string) => `s:${jointure}`;
const levelOrder = (a: Placement, b: Placement) => ((a.level ?? '') < (b.level ?? '') ? -1 : (a.level ?? '') > (b.level ?? '') ? 1 : 0);
const establishmentKey = (uai: string) => `e:${uai}`;
const aafId = (record: Record<string, unknown>) => (record.sourceIds as Record<string, string> | undefined)?.[SOURCE];

// The delivery's garbage outlives the young generation: without a bound on the heap's growth, V8's defaults let it
// pile up past 300 MB of RSS (heap-growth.ts).
export const importAaf: Importer = (db, request) => withBoundedHeapGrowth(() => importDelivery(db, request));

const importDelivery: Importer = async (db, request) => {
  const problems: ConnectorProblem[] = [];
  const spool = await OperationSpool.open<Spooled | Deferred>('passerelle-aaf-');
  const thread = aafReaderThread();
  try {
    const delivery = new Delivery(db, request, spool, problems, thread);
    const readable = await delivery.read();
    if (!readable) return { counts: noCounts(), establishments: [], problems };
    // Modifications name classes too: they are gathered with the others before groups are spooled.
    if (request.mode === 'delta') await delivery.applyDeferred();
    await delivery.spoolGathered();
    // Requests refused so far, each at its line, belong to no establishment's counts; the delivery's hold them.
    const refusedRequests = problems.filter((p) => p.severity === 'error' && p.line !== undefined).length;
    const establishments = await delivery.write();
    const counts = sumCounts(establishments.map((e) => e.counts));
    return { counts: { ...counts, rejected: counts.rejected + refusedRequests }, establishments, problems };
  } finally {
    await thread.close();
    await spool.close();
  }
};

class Delivery {
  private readonly structures = new Map<string, string>(); // jointure → UAI
  /** The establishments EtabEducNat describes, by UAI: created or completed before their records are written. */
  private readonly descriptions = new Map<string, EstablishmentDescription>();
  private readonly subjects = new Map<string, { name: string; position: SourcePosition }>(); // code → label
  private readonly mefs = new Map<string, string>();
  private readonly usedSubjects = new Map<string, Set<string>>(); // structure → codes
  private readonly groups = new Map<string, Map<string, GroupDraft>>(); // structure → group source id → draft
  /** Guardian id → structures of the pupils naming it (a string for the usual single one: 300,000 people stay small). */
  private readonly guardianStructures = new Map<string, string | string[]>();
  private readonly unknownSubjects = new Set<string>();
  /** Establishments that pupils of a delta move away from (spoolMove). */
  private readonly leftBehind = new Set<string>();
  /** Structures the delivery does not describe → the one establishment whose classes the store has of them. */
  private readonly storedStructures = new Map<string, string | undefined>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly request: ImportRequest,
    private readonly spool: OperationSpool<Spooled | Deferred>,
    private readonly problems: ConnectorProblem[],
    /** Where the largest files are parsed, beside the mapping and spooling of what they hold. */
    private readonly thread: ReaderThread,
  ) {}

  /** The streaming pass over every file, in category order. False when a file could not be read whole. */
  async read(): Promise<boolean> {
    const byCategory = new Map<FileCategory, SourceFile[]>();
    for (const file of this.request.files) {
      const category = fileCategory(file.name);
      if (category) byCategory.set(category, [...(byCategory.get(category) ?? []), file]);
      else this.problems.push({ file: file.name, code: 'unknown-file', severity: 'warning', detail: 'not an AAF file name (<prefix>_<Complet|Delta>_<date>_<EtabEducNat|MatiereEducNat|MefEducNat|Eleve|PersRelEleve|PersEducNat>_<NNNN>.xml); left out' });
    }
    const total = this.request.files.reduce((sum, f) => sum + (f.size ?? 0), 0) || undefined;
    let done = 0;
    let readable = true;
    for (const category of FILE_CATEGORIES) {
      for (const file of (byCategory.get(category) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
        const stage = `reading ${file.name}`;
        const signal = this.request.signal;
        const progress = this.request.onProgress;
        async function* counted(): AsyncGenerator<Buffer | Uint8Array> {
          for await (const chunk of file.open()) {
            done += chunk.length;
            progress?.({ stage, done, ...(total ? { total } : {}) });
            yield chunk;
          }
        }
        // Only the attributes the mapping reads are kept: real requests carry many more.
        const options: AafReadOptions = { file: file.name, attributes: AAF_ATTRIBUTES };
        const items = (file.size ?? 0) >= IN_WORKER_BYTES ? this.thread.read<AafItem>(counted(), options) : readAafRequests(counted(), options);
        try {
          for await (const item of items) {
            signal?.throwIfAborted();
            if (item.kind === 'problem') this.problems.push(item.problem);
            else await this.handle(category, item.request, { file: file.name, line: item.request.line });
          }
        } catch (error) {
          if (!(error instanceof FileProblem)) throw error;
          // A file read in part could be a truncated export: applying the rest would lose what it held.
          this.problems.push(error.problem);
          readable = false;
        }
      }
    }
    // Every guardian has been placed: the map of where is the largest thing read kept, and no longer needed.
    this.guardianStructures.clear();
    if (!readable) {
      this.problems.push({ file: '(delivery)', code: 'delivery-not-applied', severity: 'error', detail: 'a file of the delivery could not be read whole; nothing was written: deliver it again' });
    }
    return readable;
  }

  private async handle(category: FileCategory, request: AafRequest, position: SourcePosition): Promise<void> {
    if (request.category !== REQUEST_CATEGORY[category]) {
      this.problems.push({ ...position, field: 'operationalAttributes', code: 'unexpected-category', severity: 'error', detail: `a ${request.category} request in a ${category} file; left out` });
      return;
    }
    if (request.kind !== 'add' && this.request.mode === 'complete') {
      this.problems.push({ ...position, code: 'unexpected-request', severity: 'error', detail: `${request.kind}Request in a complete import, which holds addRequests only; left out (import delta files in delta mode)` });
      return;
    }
    switch (category) {
      case 'EtabEducNat': {
        if (request.kind === 'delete') {
          this.problems.push({ ...position, code: 'unsupported-request', severity: 'warning', detail: 'establishments are not deleted from AAF: they come from the national directory; left out' });
          return;
        }
        const structure = structureOf(request, position);
        if ('detail' in structure) this.problems.push(structure);
        else {
          this.structures.set(structure.jointure, structure.uai);
          if (request.kind === 'add') this.descriptions.set(structure.uai, structure.description);
        }
        return;
      }
      case 'MatiereEducNat': {
        if (request.kind !== 'delete') {
          const subject = subjectOf(request, position);
          if ('detail' in subject) return void this.problems.push(subject);
          this.subjects.set(subject.code, { name: subject.name, position });
        }
        // In a delta, a changed or deleted subject changes in every establishment that has it.
        if (this.request.mode === 'delta') await this.defer(category, request, position);
        return;
      }
      case 'MefEducNat': {
        // MEFs are no canonical record: they label the levels and MEFs of classes, for this delivery's pupils.
        const mef = mefOf(request);
        if (mef && request.kind !== 'delete') this.mefs.set(mef.code, mef.label);
        return;
      }
      case 'Eleve':
        if (request.kind !== 'add') return this.defer(category, request, position);
        return this.spoolMapped(pupilOf(request, position, { mefs: this.mefs }));
      case 'PersEducNat':
        if (request.kind !== 'add') return this.defer(category, request, position);
        return this.spoolMapped(staffOf(request, position));
      case 'PersRelEleve': {
        if (request.kind !== 'add') return this.defer(category, request, position);
        const guardian = guardianOf(request, position);
        if ('detail' in guardian) return void this.problems.push(guardian);
        const structures = this.guardianStructures.get(request.id) ?? [];
        for (const structure of typeof structures === 'string' ? [structures] : structures) await this.spoolOperation(structure, guardian);
        // A delta's guardian also changes where the store already has it.
        if (this.request.mode === 'delta') await this.defer(category, request, position);
      }
    }
  }

  private async defer(category: FileCategory, request: AafRequest, position: SourcePosition): Promise<void> {
    await this.spool.add('deferred', { category, request, position });
  }

  private async spoolMapped(mapped: Mapped): Promise<void> {
    this.problems.push(...mapped.problems);
    for (const { structure, code } of mapped.subjects) {
      const codes = this.usedSubjects.get(structure) ?? new Set<string>();
      this.usedSubjects.set(structure, codes.add(code));
    }
    for (const item of mapped.operations) {
      if (item.operation.entity === 'guardianLink') this.noteGuardian((item.operation.links!.guardianId as SourceLink).id, item.structure);
      await this.spoolStructured(item);
    }
  }

  private noteGuardian(guardianId: string, structure: string): void {
    const known = this.guardianStructures.get(guardianId);
    if (known === undefined) this.guardianStructures.set(guardianId, structure);
    else if (typeof known === 'string') {
      if (known !== structure) this.guardianStructures.set(guardianId, [known, structure]);
    } else if (!known.includes(structure)) known.push(structure);
  }

  private async spoolStructured({ structure, operation }: StructuredOperation): Promise<void> {
    if (operation.entity === 'group') return this.gatherGroup(structure, operation);
    await this.spoolOperation(structure, operation);
  }

  private async spoolOperation(structure: string, operation: CanonicalOperation, key = structureKey(structure)): Promise<void> {
    await this.spool.add(key, { entity: operation.entity as RosterEntity, op: 'upsert', record: operation.record, ...(operation.links ? { links: operation.links } : {}), position: operation.position });
  }

  private gatherGroup(structure: string, operation: CanonicalOperation): void {
    const groups = this.groups.get(structure) ?? new Map<string, GroupDraft>();
    this.groups.set(structure, groups);
    const id = aafId(operation.record)!;
    // The first description of a group is kept, without the placement each pupil gives it.
    const { level, levelSource, mef, ...record } = operation.record as Placement & Record<string, unknown>;
    const draft: GroupDraft = groups.get(id) ?? { operation: { ...operation, record }, placements: new Map() };
    groups.set(id, draft);
    if (!level && !levelSource && !mef) return;
    const placement: Placement = { ...(level ? { level } : {}), ...(levelSource ? { levelSource } : {}), ...(mef ? { mef } : {}) };
    const key = JSON.stringify(placement);
    const seen = draft.placements.get(key);
    if (seen) seen.pupils += 1;
    else draft.placements.set(key, { placement, pupils: 1 });
  }

  /** Groups (with the level and MEF most of their pupils are in) and the subjects each structure uses, once all people are read. */
  async spoolGathered(): Promise<void> {
    const stored = this.request.mode === 'delta' ? await this.storedGroups() : new Map<string, Record<string, unknown>>();
    for (const [structure, groups] of this.groups) {
      for (const [id, draft] of groups) {
        // Ties go to the smallest level, then the smallest MEF, so that the same delivery always gives the same.
        const placement = [...draft.placements].sort(([a, n], [b, m]) => m.pupils - n.pupils || levelOrder(n.placement, m.placement) || (a < b ? -1 : 1))[0]?.[1].placement;
        const record = { ...(stored.get(id) ?? {}), ...draft.operation.record, ...placement };
        await this.spoolOperation(structure, { ...draft.operation, record });
      }
    }
    this.groups.clear();
    for (const [structure, codes] of this.usedSubjects) {
      for (const code of codes) {
        const subject = this.subjects.get(code);
        if (subject) await this.spoolOperation(structure, subjectRecord(code, subject.name, subject.position));
        else if (this.subjects.size > 0 && !this.unknownSubjects.has(code)) {
          this.unknownSubjects.add(code);
          this.problems.push({ file: '(delivery)', field: 'ENTMatJointure', code: 'unknown-subject', severity: 'warning', detail: `subject code ${code} is used but no MatiereEducNat request describes it; left out` });
        }
      }
    }
  }

  /** What the store holds of the groups a delta names, so that it keeps what the delta does not say (the level). */
  private async storedGroups(): Promise<Map<string, Record<string, unknown>>> {
    const ids = [...this.groups.values()].flatMap((groups) => [...groups.keys()]);
    const out = new Map<string, Record<string, unknown>>();
    for (const row of await recordsBySourceIds(this.db, this.request.perimeter, 'group', SOURCE, ids)) {
      if (row.status === 'active') out.set(row.sourceId, row.data as Record<string, unknown>);
    }
    return out;
  }

  /** Modify and delete requests (and a delta's guardians and subjects), applied where the store has their records. */
  async applyDeferred(): Promise<void> {
    let chunk: Deferred[] = [];
    for await (const entry of this.spool.read('deferred')) {
      chunk.push(entry as Deferred);
      if (chunk.length === DEFERRED_CHUNK) {
        await this.applyDeferredChunk(chunk);
        chunk = [];
      }
    }
    if (chunk.length) await this.applyDeferredChunk(chunk);
  }

  private async applyDeferredChunk(chunk: Deferred[]): Promise<void> {
    this.request.signal?.throwIfAborted();
    const subjects = chunk.filter((d) => d.category === 'MatiereEducNat');
    const people = chunk.filter((d) => d.category !== 'MatiereEducNat');
    if (subjects.length) {
      const rows = await recordsBySourceIds(this.db, this.request.perimeter, 'subject', SOURCE, subjects.map((d) => d.request.id));
      for (const { request, position } of subjects) {
        for (const row of rows.filter((r) => r.sourceId === request.id && r.status === 'active')) {
          const record = request.kind === 'delete' ? { id: row.id } : { ...(row.data as object), name: this.subjects.get(request.id)?.name, sourceIds: { [SOURCE]: request.id } };
          await this.spool.add(establishmentKey(row.uai), { entity: 'subject', op: request.kind === 'delete' ? 'delete' : 'upsert', record, position });
        }
      }
    }
    if (people.length === 0) return;
    const rows = (await recordsBySourceIds(this.db, this.request.perimeter, 'person', SOURCE, people.map((d) => d.request.id))).filter((r) => r.status === 'active');
    const links = new Map<string, Awaited<ReturnType<typeof linksToPeople>>>();
    for (const uai of new Set(rows.map((r) => r.uai))) {
      links.set(uai, await linksToPeople(this.db, uai, rows.filter((r) => r.uai === uai).map((r) => r.id)));
    }
    for (const { category, request, position } of people) {
      const found = rows.filter((r) => r.sourceId === request.id);
      if (found.length === 0) {
        if (request.kind !== 'add') this.problems.push({ ...position, code: 'unknown-record', severity: 'warning', detail: `${request.kind}Request for AAF id ${request.id}, which no establishment this import may write to holds; left out` });
        continue;
      }
      for (const row of found) {
        const key = establishmentKey(row.uai);
        const linked = (links.get(row.uai) ?? []).filter((l) => Object.values(l.data as object).includes(row.id));
        if (request.kind === 'delete') {
          // A person's memberships and guardian links go with it.
          for (const link of linked) await this.spool.add(key, { entity: link.entity as RosterEntity, op: 'delete', record: { id: link.id }, position });
          await this.spool.add(key, { entity: 'person', op: 'delete', record: { id: row.id }, position });
        } else if (request.kind === 'add') {
          // A guardian already in the store, delivered again: it changes where it is.
          const guardian = guardianOf(request, position);
          if (!('detail' in guardian)) await this.spoolOperation('', guardian, key);
        } else {
          await this.spoolModification(category, request, position, row, linked);
        }
      }
    }
  }

  private async spoolModification(
    category: FileCategory, request: AafRequest, position: SourcePosition,
    row: { id: string; uai: string; data: unknown }, linked: Awaited<ReturnType<typeof linksToPeople>>,
  ): Promise<void> {
    const key = establishmentKey(row.uai);
    const change = personModification(request, PERSON_ROLE[category as keyof typeof PERSON_ROLE], position);
    this.problems.push(...change.problems);
    if (change.problems.some((p) => p.severity === 'error')) return;
    const data: Record<string, unknown> = { ...(row.data as Record<string, unknown>) };
    for (const [field, value] of Object.entries(change.fields)) {
      if (value === undefined) delete data[field];
      else data[field] = value;
    }
    if (change.structure !== undefined) {
      const destination = await this.establishmentOfStructure(change.structure);
      if (destination === undefined) {
        this.problems.push({ ...position, field: 'ENTPersonStructRattach', code: 'unknown-structure', severity: 'warning', detail: `structure ${change.structure} is not described by the delivery and the store has no class of it (or has some in several establishments); the pupil stays in ${row.uai}` });
      } else if (destination !== row.uai) {
        return this.spoolMove(request, position, row, linked, data, change, destination);
      }
    }
    await this.spool.add(key, { entity: 'person', op: 'upsert', record: { ...data, sourceIds: { [SOURCE]: request.id } }, position });

    const role = category === 'Eleve' ? 'pupil' : 'teacher';
    const replaced: [('division' | 'group'), string[] | undefined][] = [['division', change.divisions], ['group', change.groups]];
    for (const [kind, values] of replaced) {
      if (!values) continue;
      const kept = new Set<string>();
      for (const item of memberships(values, kind, request.id, role, position, {}, change.subjects)) {
        if (item.operation.entity === 'membership') kept.add(aafId(item.operation.record)!);
        await this.spoolStructured(item);
      }
      for (const link of linked) {
        const id = (link.source_ids as Record<string, string>)[SOURCE];
        if (link.entity === 'membership' && link.groupKind === kind && id && !kept.has(id)) {
          await this.spool.add(key, { entity: 'membership', op: 'delete', record: { id: link.id }, position });
        }
      }
    }
    if (change.guardians) {
      const kept = new Set<string>();
      for (const item of guardianLinks('', request.id, change.guardians, position)) {
        kept.add(aafId(item.operation.record)!);
        await this.spoolOperation('', item.operation, key);
      }
      for (const link of linked) {
        const id = (link.source_ids as Record<string, string>)[SOURCE];
        if (link.entity === 'guardianLink' && (link.data as { pupilId?: string }).pupilId === row.id && id && !kept.has(id)) {
          await this.spool.add(key, { entity: 'guardianLink', op: 'delete', record: { id: link.id }, position });
        }
      }
    }
  }

  /**
   * A pupil now attached to a structure of another establishment leaves the one it was in, with its memberships
   * and guardian links, for the other: there it has the classes and groups the request names (the old ones were
   * the old establishment's), and its guardians, those the request names or else those it had, come along.
   */
  private async spoolMove(
    request: AafRequest, position: SourcePosition, row: { id: string; uai: string },
    linked: Awaited<ReturnType<typeof linksToPeople>>, data: Record<string, unknown>, change: PersonModification, destination: string,
  ): Promise<void> {
    const [from, to] = [establishmentKey(row.uai), establishmentKey(destination)];
    this.leftBehind.add(row.uai);
    for (const link of linked) await this.spool.add(from, { entity: link.entity as RosterEntity, op: 'delete', record: { id: link.id }, position });
    await this.spool.add(from, { entity: 'person', op: 'delete', record: { id: row.id }, position });
    await this.spool.add(to, { entity: 'person', op: 'upsert', record: { ...data, sourceIds: { [SOURCE]: request.id } }, position });
    const lists: ['division' | 'group', string[] | undefined][] = [['division', change.divisions], ['group', change.groups]];
    for (const [kind, values] of lists) {
      for (const item of memberships(values ?? [], kind, request.id, 'pupil', position)) await this.spoolStructured(item);
    }
    const stored = linked.filter((link) => link.entity === 'guardianLink' && (link.data as { pupilId?: string }).pupilId === row.id);
    const storedGuardians = new Map((await recordsWithIds(this.db, stored.map((link) => (link.data as { guardianId: string }).guardianId)))
      .map((guardian) => [guardian.id, (guardian.source_ids as Record<string, string>)[SOURCE]]));
    const named = change.guardians ?? stored.flatMap((link) => {
      const { guardianId, legalRepresentative, relationship } = link.data as { guardianId: string; legalRepresentative: boolean; relationship?: NamedGuardian['relationship'] };
      const aaf = storedGuardians.get(guardianId);
      return aaf ? [{ guardianId: aaf, legal: legalRepresentative, ...(relationship ? { relationship } : {}) }] : [];
    });
    // The guardians' records as the store has them, preferably in the establishment the pupil leaves.
    const guardians = new Map<string, Record<string, unknown>>();
    for (const guardian of await recordsBySourceIds(this.db, this.request.perimeter, 'person', SOURCE, named.map((g) => g.guardianId))) {
      if (guardian.status === 'active' && (!guardians.has(guardian.sourceId) || guardian.uai === row.uai)) guardians.set(guardian.sourceId, guardian.data as Record<string, unknown>);
    }
    for (const [id, guardian] of guardians) await this.spool.add(to, { entity: 'person', op: 'upsert', record: { ...guardian, sourceIds: { [SOURCE]: id } }, position });
    for (const item of guardianLinks('', request.id, named, position)) await this.spoolOperation('', item.operation, to);
  }

  /** The establishment of an AAF structure: the delivery's EtabEducNat says it, or else the classes the store has of it. */
  private async establishmentOfStructure(structure: string): Promise<string | undefined> {
    const delivered = this.structures.get(structure);
    if (delivered) return delivered;
    if (!this.storedStructures.has(structure)) {
      const found = (await establishmentsOfGroupStructures(this.db, this.request.perimeter, SOURCE, [structure])).get(structure) ?? [];
      this.storedStructures.set(structure, found.length === 1 ? found[0] : undefined);
    }
    return this.storedStructures.get(structure);
  }

  /** Each establishment in turn, in one transaction each. */
  async write(): Promise<EstablishmentOutcome[]> {
    const keysOf = new Map<string, string[]>(); // UAI → spool keys
    const unknown: string[] = [];
    for (const key of this.spool.keys()) {
      if (key.startsWith('e:')) keysOf.set(key.slice(2), [...(keysOf.get(key.slice(2)) ?? []), key]);
      else if (key.startsWith('s:') && !this.structures.has(key.slice(2))) unknown.push(key.slice(2));
    }
    const found = this.request.mode === 'delta' ? await establishmentsOfGroupStructures(this.db, this.request.perimeter, SOURCE, unknown) : new Map<string, string[]>();
    for (const key of this.spool.keys().filter((k) => k.startsWith('s:'))) {
      const structure = key.slice(2);
      const candidates = found.get(structure) ?? [];
      const uai = this.structures.get(structure) ?? (candidates.length === 1 ? candidates[0] : undefined);
      if (uai) keysOf.set(uai, [key, ...(keysOf.get(uai) ?? [])]);
      else if (candidates.length > 1) this.problems.push({ file: '(delivery)', field: 'ENTStructureJointure', code: 'ambiguous-structure', severity: 'error', detail: `structure ${structure} is not described by the delivery and names classes of several establishments (${candidates.join(', ')}); its ${this.spool.count(key)} records are left out: deliver its EtabEducNat request` });
      else this.problems.push({ file: '(delivery)', field: 'ENTStructureJointure', code: 'unknown-structure', severity: 'warning', detail: `structure ${structure} is used but no EtabEducNat file describes it; its ${this.spool.count(key)} records are left out` });
    }

    // The establishments the delivery describes exist before their records are written; then only those inside
    // the submitter's perimeter are written, whether the others exist or not.
    const refusedEstablishments = new Set<string>();
    for (const [uai, description] of this.descriptions) {
      this.request.signal?.throwIfAborted();
      const described = await writeDescribedEstablishment(this.db, description, { perimeter: this.request.perimeter, lenientIdentifiers: this.request.lenientIdentifiers, field: 'ENTStructureUAI' });
      this.problems.push(...described.problems);
      if (!described.written) refusedEstablishments.add(uai);
    }
    const inside = await establishmentsWithin(this.db, this.request.perimeter, [...keysOf.keys()]);
    for (const uai of [...keysOf.keys()]) {
      if (inside.has(uai)) continue;
      keysOf.delete(uai);
      if (!refusedEstablishments.has(uai)) this.problems.push(outsideProblem(uai, { file: '(delivery)' }, 'ENTStructureUAI'));
    }

    // AAF ids are académie-wide: a request refused before its establishment was known is kept in each one.
    const refused = new Set(this.problems.filter((p) => p.severity === 'error' && p.sourceId !== undefined).map((p) => p.sourceId!));
    const outcomes: EstablishmentOutcome[] = [];
    const uais = [...keysOf.keys()].sort();
    // Establishments pupils move from are written after all others: an import stopped in between leaves those
    // pupils in both, and running it again moves them again, where the other order would leave them in neither.
    const phases = [uais.filter((uai) => !this.leftBehind.has(uai)), uais.filter((uai) => this.leftBehind.has(uai))];
    let started = 0;
    for (const phase of phases) {
      let next = 0;
      const writer = async () => {
        while (next < phase.length) {
          const uai = phase[next];
          next += 1;
          this.request.signal?.throwIfAborted();
          this.request.onProgress?.({ stage: `writing ${uai}`, done: started, total: uais.length });
          started += 1;
          const outcome = await this.writeEstablishment(uai, keysOf.get(uai)!, refused);
          if (outcome) outcomes.push(outcome);
        }
      };
      // Several establishments at a time: while one holds the change counter and is written, the others are read
      // from the spool, checked and planned (measured: three beat two by about 15 %, more only add memory).
      await Promise.all(Array.from({ length: WRITERS }, writer));
    }
    outcomes.sort((a, b) => (a.uai < b.uai ? -1 : 1));
    this.request.onProgress?.({ stage: 'done', done: uais.length, total: uais.length });
    return outcomes;
  }

  /** `refused`: the AAF ids of the requests the delivery holds but the mapping refused. */
  private async writeEstablishment(uai: string, keys: string[], refused: ReadonlySet<string>): Promise<EstablishmentOutcome | undefined> {
    const operations = new Map<string, Spooled>();
    for (const key of keys) {
      for await (const entry of this.spool.read(key)) {
        const operation = withDescribedSubjects(entry as Spooled, this.subjects);
        // A later request for the same record wins (a delta's modify after its add); duplicates collapse.
        operations.set(operation.op === 'delete' ? `${operation.entity}#${operation.record.id}` : `${operation.entity}:${aafId(operation.record)}`, operation);
      }
    }
    const ordered = [...operations.values()].sort((a, b) => ORDER.indexOf(a.entity) - ORDER.indexOf(b.entity));
    return applyEstablishment(this.db, uai, ordered, this.request, this.problems, refused);
  }
}

/** A teacher's subjects are linked only when MatiereEducNat describes them: the others are no records (unknown-subject). */
function withDescribedSubjects(operation: Spooled, described: ReadonlyMap<string, unknown>): Spooled {
  const subjects = operation.links?.subjectIds;
  if (!Array.isArray(subjects)) return operation;
  const kept = subjects.filter((link) => described.has(link.id));
  const { subjectIds, ...links } = operation.links!;
  return { ...operation, links: kept.length ? { ...links, subjectIds: kept } : links };
}

/**
 * One establishment's operations in one transaction. Records the store refuses are reported with their file and
 * line and left out, and the rest applied; a refused record (by the mapping: `refused`, or by the store) is
 * never taken for one the delivery dropped.
 */
async function applyEstablishment(
  db: Kysely<Database>, uai: string, all: Spooled[], request: ImportRequest, problems: ConnectorProblem[], refused: ReadonlySet<string>,
): Promise<EstablishmentOutcome | undefined> {
  const counts: ImportCounts = noCounts();
  if (request.lenientIdentifiers) {
    for (const operation of all) if (operation.op === 'upsert') problems.push(...identifierWarningsAt(operation.record, operation.position));
  }
  let operations = all;
  const kept = new Set(refused);
  for (;;) {
    try {
      // Their positions ride along: the store reads only what an operation is.
      const result = await applyBatch(db, uai, operations, {
        lenientIdentifiers: request.lenientIdentifiers,
        replace: request.mode === 'complete' ? { source: SOURCE, maxDeletionShare: request.maxDeletionShare ?? 0.2, confirmed: request.confirmed, keep: kept } : undefined,
      });
      for (const outcome of Object.keys(result.counts) as Outcome[]) counts[outcome] += result.counts[outcome];
      return { uai, state: 'completed', counts };
    } catch (error) {
      if (error instanceof ImportHeld) return { uai, state: 'held', counts, held: { deletions: error.deletions, total: error.total } };
      if (error instanceof UnknownEstablishment) {
        problems.push({ file: '(delivery)', field: 'ENTStructureUAI', code: 'unknown-establishment', severity: 'error', detail: `establishment ${uai} is not known to the gateway: import the national directory first (passerelle import annuaire)` });
        return undefined;
      }
      if (!(error instanceof BatchRejected)) throw error;
      const refusedIndexes = new Set(error.problems.map((p) => p.index));
      problems.push(...refusedRecordProblems(error, operations));
      for (const index of refusedIndexes) {
        const id = aafId(operations[index].record);
        if (id) kept.add(id);
      }
      counts.rejected += refusedIndexes.size;
      operations = operations.filter((_, i) => !error.leftOut.has(i));
    }
  }
}
