// The one write path for canonical records: the batch API, connectors and sync jobs all come through here.
// A batch is checked whole first (schemas, identifiers, matching, references) and written in one transaction,
// so an invalid record means nothing is written. Unchanged records are not rewritten: no change-log noise.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { validateRecord, type Entity, type FieldProblem } from '../model/validate.js';
import type { Database, RosterRecordRow } from './tables.js';
import { jsonEqual } from './json-equal.js';
import { reserveSequence } from './changelog.js';
import { lockEstablishment } from './establishments.js';
import { jsonForPostgres, minimalParts, renderedInDatabase } from './record-shape.js';
import { IDENTIFYING_FIELDS } from '../model/identifying.js';
import { newRecordId } from './record-id.js';

export type RosterEntity = Exclude<Entity, 'establishment'>;
export const ROSTER_ENTITIES: readonly RosterEntity[] = [
  'person', 'group', 'membership', 'guardianLink', 'subject', 'room', 'academicYear',
];

export interface RecordOperation {
  entity: RosterEntity;
  op: 'upsert' | 'delete';
  record: Record<string, unknown>;
  /**
   * Links given by the source's identifier of their target rather than its gateway id (sources do not know
   * gateway ids): `{ personId: { source: 'onde', id: 'E12' } }`. The target must be stored already or come
   * earlier in the batch. A field that holds ids (`subjectIds`) takes an array of them.
   */
  links?: Record<string, SourceLink | SourceLink[]>;
}

export interface SourceLink {
  source: string;
  id: string;
}

/** A stand-in id while a record whose links are given by source id is checked against its schema (one per item of an array). */
const linkPlaceholder = (i = 0) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

export type Outcome = 'created' | 'updated' | 'unchanged' | 'deleted';

export interface BatchResult {
  results: { index: number; entity: RosterEntity; op: 'upsert' | 'delete'; id: string; outcome: Outcome }[];
  counts: Record<Outcome, number>;
}

export interface BatchProblem extends FieldProblem {
  /** Index of the operation in the batch. */
  index: number;
}

/**
 * The batch was not applied: every problem found is listed, each naming its operation and field. A record
 * that links to a refused one gets no problem of its own (its target's says why): it is among `leftOut`,
 * with the refused, so that an import leaves them all out of its next attempt.
 */
export class BatchRejected extends Error {
  readonly leftOut: ReadonlySet<number>;
  constructor(readonly problems: BatchProblem[], dependents: Iterable<number> = []) {
    super(`${problems.length} invalid record(s); nothing was written`);
    this.leftOut = new Set([...problems.map((p) => p.index), ...dependents]);
  }
}

export class UnknownEstablishment extends Error {
  constructor(readonly uai: string) {
    super(`no establishment ${uai}`);
  }
}

/**
 * A complete export replaces what its source last delivered for the establishment: records of that source
 * that the export no longer holds become tombstones, unless they are too many (a truncated file must never
 * wipe a school): then nothing is written until the import is confirmed.
 */
export interface Replacement {
  source: string;
  /** Largest share of the source's active records a complete import may delete without confirmation. */
  maxDeletionShare: number;
  confirmed: boolean;
  /**
   * Identifiers (in `source`) of records the export holds but that were refused: they are not deletions, and
   * neither are the stored records that link to them (a refused pupil's memberships and guardian links) nor
   * the records those link to.
   */
  keep?: ReadonlySet<string>;
}

/** The import would delete more than its allowed share: held, nothing written. */
export class ImportHeld extends Error {
  constructor(
    readonly uai: string,
    readonly deletions: number,
    readonly total: number,
  ) {
    super(`the import would delete ${deletions} of the ${total} records of ${uai} from this source; confirm it to apply`);
  }
}

/** Fields the gateway owns: accepted on input for convenience, never stored in `data`. */
const ENVELOPE = new Set(['id', 'uai', 'sourceIds', 'status', 'updatedAt']);

/**
 * Links from one record to others: they must name records of the right entity (and kind) in the establishment.
 * A `many` field holds an array of ids.
 */
const REFERENCES: Partial<Record<RosterEntity, { field: string; entity: RosterEntity; kind?: string; many?: true }[]>> = {
  membership: [{ field: 'personId', entity: 'person' }, { field: 'groupId', entity: 'group' }, { field: 'subjectIds', entity: 'subject', many: true }],
  guardianLink: [{ field: 'guardianId', entity: 'person', kind: 'guardian' }, { field: 'pupilId', entity: 'person', kind: 'pupil' }],
};

/** Every link field, whatever its entity, single ones apart from arrays of ids. */
const LINK_FIELDS = [...new Set(Object.values(REFERENCES).flatMap((references) => references.filter((r) => !r.many).map((r) => r.field)))];
const MANY_LINK_FIELDS = [...new Set(Object.values(REFERENCES).flatMap((references) => references.filter((r) => r.many).map((r) => r.field)))];

// --- Array links (subjectIds): helpers kept together so that the write path's port can take them as one piece.
/** A link's targets, whether the field holds one or an array. */
const linkRefs = (ref: SourceLink | SourceLink[]): SourceLink[] => (Array.isArray(ref) ? ref : [ref]);
/** The ids a stored link field holds: none, one, or an array's. */
const linkedIds = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const isMany = (entity: RosterEntity, field: string) => REFERENCES[entity]?.some((r) => r.field === field && r.many) ?? false;
const badRef = (ref: unknown) => ref === null || typeof ref !== 'object' || typeof (ref as SourceLink).source !== 'string' || typeof (ref as SourceLink).id !== 'string' || !(ref as SourceLink).source || !(ref as SourceLink).id;
/** SQL: every id a stored record links to, single fields and arrays alike, as one text array. */
const storedLinksSql = () => sql.join([
  sql`array[${sql.join(LINK_FIELDS.map((field) => sql`data->>${field}`))}]`,
  ...MANY_LINK_FIELDS.map((field) => sql`array(select jsonb_array_elements_text(case when jsonb_typeof(data->${field}) = 'array' then data->${field} else '[]'::jsonb end))`),
], sql` || `);
// --- end of array links helpers.

/** The entity a link field points at. */
function linkTarget(entity: RosterEntity, field: string): RosterEntity {
  return REFERENCES[entity]!.find((r) => r.field === field)!.entity;
}

/** The column the feeds filter on besides links: person kind, group kind, membership role. */
export function kindOf(entity: string, data: Record<string, unknown>): string | null {
  const value = entity === 'membership' ? data.role : entity === 'person' || entity === 'group' ? data.kind : undefined;
  return typeof value === 'string' ? value : null;
}

/** What planning needs of a stored record: not its renderings, which are the bulk of a row. */
type StoredRecord = Pick<RosterRecordRow, 'id' | 'entity' | 'uai' | 'status' | 'source_ids' | 'data'>;
const STORED_COLUMNS = ['id', 'entity', 'uai', 'status', 'source_ids', 'data'] as const;

interface Planned {
  index: number;
  operation: RecordOperation;
  existing: StoredRecord | undefined;
  id: string;
  data: Record<string, unknown>;
  sourceIds: Record<string, string>;
  outcome: Outcome;
}

export interface BatchOptions {
  /** A complete export: it replaces what its source delivered (see Replacement). */
  replace?: Replacement;
  /** UAI and INE keys are not checked (imports of test feeds, which carry invented identifiers). */
  lenientIdentifiers?: boolean;
  /**
   * A person sent without an id is matched on its INE first (default true). False for a caller that may not
   * read INEs: an INE is then no key it can probe the store with, only a value it writes.
   */
  matchOnIne?: boolean;
}

/**
 * Applies a batch of operations to one establishment, in one transaction. Throws BatchRejected (nothing
 * written) when any operation is invalid, UnknownEstablishment when the establishment does not exist, and
 * ImportHeld when a replacement would delete too much.
 */
export async function applyBatch(
  db: Kysely<Database>,
  uai: string,
  operations: RecordOperation[],
  options: BatchOptions = {},
): Promise<BatchResult> {
  const replacement = options.replace;
  const shapeProblems = operations.flatMap((operation, index) => checkShape(operation, index, uai, options.lenientIdentifiers ?? false));

  return db.transaction().execute(async (trx) => {
    await lockEstablishment(trx, uai);
    const exists = await trx.selectFrom('establishment').select('uai').where('uai', '=', uai).where('status', '=', 'active').executeTakeFirst();
    if (!exists) throw new UnknownEstablishment(uai);

    // Records that passed the shape checks are still matched and their links checked, so that one answer
    // lists every problem of the batch.
    const misshapen = new Set(shapeProblems.map((p) => p.index));
    const { plan, problems, dependents } = await planBatch(trx, uai, operations, misshapen, options.matchOnIne ?? true);
    if (shapeProblems.length || problems.length) {
      throw new BatchRejected([...shapeProblems, ...problems].sort((a, b) => a.index - b.index), dependents);
    }
    if (replacement) plan.push(...(await tombstonesFor(trx, uai, plan, replacement, operations.length)));
    const changed = plan.filter((p) => p.outcome !== 'unchanged');
    if (changed.length) await writePlan(trx, uai, changed);

    const counts: Record<Outcome, number> = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
    for (const p of plan) counts[p.outcome] += 1;
    return {
      results: plan.map((p) => ({ index: p.index, entity: p.operation.entity, op: p.operation.op, id: p.id, outcome: p.outcome })),
      counts,
    };
  });
}

/** Deletions for the records of the replaced source that the batch no longer holds (results after the batch's). */
async function tombstonesFor(
  trx: Transaction<Database>,
  uai: string,
  plan: Planned[],
  replacement: Replacement,
  firstIndex: number,
): Promise<Planned[]> {
  const delivered = new Set(plan.map((p) => p.id));
  // Only the keys and links of what the source delivered: the records themselves are read for those to delete.
  const rows = await trx
    .selectFrom('roster_record')
    .select(['id', 'source_ids', sql<(string | null)[]>`${storedLinksSql()}`.as('links')])
    .where('uai', '=', uai)
    .where('status', '=', 'active')
    .where(sql<boolean>`source_ids ? ${replacement.source}`)
    .execute();
  const keep = replacement.keep ?? new Set<string>();
  const refused = new Set(rows.filter((row) => keep.has((row.source_ids as Record<string, string>)[replacement.source])).map((row) => row.id));
  // What links to a refused record stays too: a source that refuses a person or a group delivers none of its
  // memberships and links either, and they are no more gone than it is. So do what those link to (a guardian
  // named by the refused pupil alone), or they would link to tombstones; it goes no further.
  const linking = rows.filter((row) => row.links.some((target) => target !== null && refused.has(target)));
  const kept = new Set([...refused, ...linking.map((row) => row.id), ...linking.flatMap((row) => row.links.filter((target) => target !== null))]);
  const missingIds = rows.filter((row) => !delivered.has(row.id) && !kept.has(row.id)).map((row) => row.id);
  if (!replacement.confirmed && missingIds.length > 0 && missingIds.length > replacement.maxDeletionShare * rows.length) {
    throw new ImportHeld(uai, missingIds.length, rows.length);
  }
  const stored = new Map((await recordsWithIds(trx, missingIds)).map((row) => [row.id, row]));
  return missingIds.map((id) => stored.get(id)!).map((row, i) => ({
    index: firstIndex + i,
    operation: { entity: row.entity as RosterEntity, op: 'delete' as const, record: { id: row.id } },
    existing: row,
    id: row.id,
    data: row.data as Record<string, unknown>,
    sourceIds: row.source_ids as Record<string, string>,
    outcome: 'deleted' as const,
  }));
}

function checkShape(operation: RecordOperation, index: number, uai: string, lenientIdentifiers: boolean): BatchProblem[] {
  const at = (pointer: string, detail: string): BatchProblem => ({ index, pointer: `/records/${index}${pointer}`, detail });
  if (!ROSTER_ENTITIES.includes(operation.entity)) {
    return [at('/entity', `must be one of ${ROSTER_ENTITIES.join(', ')} (establishments are written with PUT /v1/establishments/{uai})`)];
  }
  if (operation.op !== 'upsert' && operation.op !== 'delete') return [at('/op', 'must be "upsert" or "delete"')];
  const record = operation.record;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return [at('/record', 'must be an object')];
  const problems: BatchProblem[] = [];
  if (record.uai !== undefined && record.uai !== uai) problems.push(at('/record/uai', `must be ${uai}, the establishment of the batch, or be left out`));
  const sourceIds = record.sourceIds;
  const hasSourceIds = sourceIds !== null && typeof sourceIds === 'object' && Object.keys(sourceIds).length > 0;
  if (record.id === undefined && !hasSourceIds) {
    problems.push(at('/record/id', 'an id or at least one sourceIds entry is required to match the record'));
  }
  const linkFields = (REFERENCES[operation.entity] ?? []).map((r) => r.field);
  const links = operation.links ?? {};
  if (links === null || typeof links !== 'object' || Array.isArray(links)) return [...problems, at('/links', 'must be an object')];
  for (const [field, ref] of Object.entries(links)) {
    if (!linkFields.includes(field)) {
      problems.push(at(`/links/${field}`, linkFields.length ? `is not a link of a ${operation.entity}; expected ${linkFields.join(' or ')}` : `a ${operation.entity} has no links`));
    } else if (isMany(operation.entity, field) ? !Array.isArray(ref) || ref.some(badRef) : badRef(ref)) {
      const shape = '{ "source": "<source name>", "id": "<that source\'s identifier>" }';
      problems.push(at(`/links/${field}`, isMany(operation.entity, field) ? `must be an array of ${shape}` : `must be ${shape}`));
    }
  }
  if (operation.op === 'upsert') {
    if (record.status !== undefined && record.status !== 'active') problems.push(at('/record/status', 'must be "active" in an upsert; use op "delete" to delete'));
    const linked = Object.keys(links).filter((f) => linkFields.includes(f));
    // An array field whose link is malformed has its problem already: it stands for an empty array.
    const placeholders = (f: string) => (!isMany(operation.entity, f) ? linkPlaceholder() : Array.isArray(links[f]) ? (links[f] as SourceLink[]).map((_, i) => linkPlaceholder(i)) : []);
    const checked = linked.length ? { ...record, ...Object.fromEntries(linked.map((f) => [f, placeholders(f)])) } : record;
    for (const p of validateRecord(operation.entity, checked, { lenientIdentifiers })) problems.push(at(`/record${p.pointer}`, p.detail));
  } else {
    // A delete only needs its keys; validate just those.
    const keys = Object.fromEntries(Object.entries(record).filter(([k]) => k === 'id' || k === 'sourceIds'));
    for (const p of validateRecord(operation.entity, keys)) {
      if (p.pointer.startsWith('/id') || p.pointer.startsWith('/sourceIds')) problems.push(at(`/record${p.pointer}`, p.detail));
    }
  }
  return problems;
}

/**
 * The records a batch refuses, by gateway id and source key: a record that links to one of them is left out
 * too, without a problem of its own, since its target's problem already says what is wrong.
 */
class Refusals {
  readonly #ids = new Set<string>();
  readonly #keys = new Set<string>();
  readonly dependents = new Set<number>();

  refuse(operation: RecordOperation): void {
    const record = operation.record as Record<string, unknown> | null;
    if (record === null || typeof record !== 'object') return;
    if (typeof record.id === 'string') this.#ids.add(record.id);
    const sourceIds = record.sourceIds;
    if (sourceIds === null || typeof sourceIds !== 'object') return;
    for (const [source, sourceId] of Object.entries(sourceIds)) {
      if (typeof sourceId === 'string') this.#keys.add(keyOf(operation.entity, source, sourceId));
    }
  }

  /** Leaves out an operation whose link target was refused; refuses it in turn, for what links to it. */
  leaveOut(index: number, operation: RecordOperation): void {
    this.dependents.add(index);
    this.refuse(operation);
  }

  hasId(id: string): boolean {
    return this.#ids.has(id);
  }

  hasKey(key: string): boolean {
    return this.#keys.has(key);
  }
}

async function planBatch(
  trx: Transaction<Database>,
  uai: string,
  allOperations: RecordOperation[],
  skip: ReadonlySet<number>,
  matchOnIne: boolean,
): Promise<{ plan: Planned[]; problems: BatchProblem[]; dependents: ReadonlySet<number> }> {
  const refusals = new Refusals();
  for (const index of skip) refusals.refuse(allOperations[index]);
  const operations = allOperations.map((operation, index) => ({ operation, index })).filter(({ index }) => !skip.has(index));
  const problems: BatchProblem[] = [];
  const problem = (index: number, pointer: string, detail: string) => {
    problems.push({ index, pointer: `/records/${index}${pointer}`, detail });
    refusals.refuse(allOperations[index]);
  };

  const ids = operations.map(({ operation }) => operation.record.id).filter((id): id is string => typeof id === 'string');
  const byId = new Map<string, StoredRecord>();
  const sourceKeys = new Map<string, string>(); // keyOf(…) → record id

  for (const row of await recordsWithIds(trx, ids)) byId.set(row.id, row);
  const wantedKeys = operations.flatMap(({ operation }) => [
    ...Object.entries((operation.record.sourceIds ?? {}) as Record<string, string>).map(([source, sourceId]) => ({ entity: operation.entity, source, sourceId })),
    ...Object.entries(operation.links ?? {}).flatMap(([field, ref]) => linkRefs(ref).map((r) => ({ entity: linkTarget(operation.entity, field), source: r.source, sourceId: r.id }))),
  ]);
  for (const row of await storedSourceKeys(trx, uai, wantedKeys)) sourceKeys.set(keyOf(row.entity, row.source, row.source_id), row.record_id);
  // A person is one record whatever the source: matched on INE first (architecture notes).
  const byIne = new Map<string, string>();
  const ines = operations
    .filter(({ operation }) => matchOnIne && operation.entity === 'person' && operation.op === 'upsert' && operation.record.id === undefined && typeof operation.record.ine === 'string')
    .map(({ operation }) => operation.record.ine as string);
  for (const chunk of chunks([...new Set(ines)], 5000)) {
    const rows = await trx
      .selectFrom('roster_record')
      .select(['id', sql<string>`data->>'ine'`.as('ine')])
      .where('uai', '=', uai)
      .where('entity', '=', 'person')
      .where(sql<boolean>`data->>'ine' = any(${chunk}::text[])`)
      .execute();
    for (const row of rows) byIne.set(row.ine, row.id);
  }
  const matchedIds = [...new Set([...sourceKeys.values(), ...byIne.values()])].filter((id) => !byId.has(id));
  for (const row of await recordsWithIds(trx, matchedIds)) byId.set(row.id, row);

  const plan: Planned[] = [];
  const claimed = new Map<string, number>(); // record id → index of the operation that targets it
  const claimedKeys = new Map<string, string>(); // source key → record id, for records created in this batch
  operations.forEach(({ operation, index }) => {
    const record = operation.record;
    const sourceIds = (record.sourceIds ?? {}) as Record<string, string>;
    let existing: StoredRecord | undefined;
    let id = typeof record.id === 'string' ? record.id : undefined;
    if (id !== undefined) {
      existing = byId.get(id);
      // Which establishment holds an id of another is not said: the caller may not see it.
      if (existing && existing.uai !== uai) {
        problem(index, '/record/id', `is not the id of a ${operation.entity} of ${uai}: it belongs to no record of this establishment`);
        return;
      }
      if (existing && existing.entity !== operation.entity) {
        problem(index, '/record/id', `is the id of a ${existing.entity} of ${uai}, not of a ${operation.entity}`);
        return;
      }
    }
    // Sources do not know gateway ids: a person they describe is matched on its INE before its source ids.
    const ineMatch = id === undefined && operation.entity === 'person' && typeof record.ine === 'string' ? byIne.get(record.ine) : undefined;
    if (ineMatch !== undefined) {
      id = ineMatch;
      existing = byId.get(ineMatch);
    }
    for (const [source, sourceId] of Object.entries(sourceIds)) {
      const key = keyOf(operation.entity, source, sourceId);
      const match = sourceKeys.get(key) ?? claimedKeys.get(key);
      if (match === undefined) continue;
      if (id !== undefined && match !== id) {
        // Without naming that other record: an answer must not tell who holds an identifier.
        const keys = ineMatch !== undefined ? 'its INE' : 'its id';
        problem(index, `/record/sourceIds/${source}`, `"${sourceId}" designates another ${operation.entity} of ${uai} than ${keys} does: send keys of one record`);
        return;
      }
      id = match;
      existing = byId.get(match);
    }
    if (operation.op === 'delete' && !existing) {
      problem(index, record.id !== undefined ? '/record/id' : '/record/sourceIds', `no ${operation.entity} of ${uai} matches this record`);
      return;
    }
    id ??= newRecordId();
    const previous = claimed.get(id);
    if (previous !== undefined) {
      problem(index, '/record', `designates the same ${operation.entity} as operation ${previous}; send each record once per batch`);
      return;
    }
    claimed.set(id, index);
    for (const [source, sourceId] of Object.entries(sourceIds)) claimedKeys.set(keyOf(operation.entity, source, sourceId), id);

    const mergedSourceIds = { ...((existing?.source_ids ?? {}) as Record<string, string>), ...sourceIds };
    if (operation.op === 'delete') {
      plan.push({ index, operation, existing, id, data: existing!.data as Record<string, unknown>, sourceIds: mergedSourceIds, outcome: existing!.status === 'deleted' ? 'unchanged' : 'deleted' });
      return;
    }
    const data: Record<string, unknown> = {};
    for (const key in record) if (!ENVELOPE.has(key)) data[key] = record[key];
    for (const [field, given] of Object.entries(operation.links ?? {})) {
      const target = linkTarget(operation.entity, field);
      const ids: string[] = [];
      for (const [i, ref] of linkRefs(given).entries()) {
        const key = keyOf(target, ref.source, ref.id);
        const resolved = claimedKeys.get(key) ?? sourceKeys.get(key);
        if (resolved === undefined && refusals.hasKey(key)) {
          refusals.leaveOut(index, operation);
          return;
        }
        if (resolved === undefined) {
          problem(index, `/links/${field}${Array.isArray(given) ? `/${i}` : ''}`, `no ${target} of ${uai} has the ${ref.source} identifier "${ref.id}" (stored, or earlier in the batch)`);
          return;
        }
        ids.push(resolved);
      }
      data[field] = Array.isArray(given) ? ids : ids[0];
    }
    const unchanged = existing !== undefined && existing.status === 'active' &&
      jsonEqual(existing.data, data) && jsonEqual(existing.source_ids, mergedSourceIds);
    plan.push({ index, operation, existing, id, data, sourceIds: mergedSourceIds, outcome: unchanged ? 'unchanged' : existing ? 'updated' : 'created' });
  });

  await checkReferences(trx, uai, plan, problem, refusals);
  return { plan, problems, dependents: refusals.dependents };
}

/** One string for a source key of the establishment, to look it up in maps. */
const keyOf = (entity: string, source: string, sourceId: string) => `${entity}\u0000${source}\u0000${sourceId}`;

/** From this many keys on, reading all of the establishment's keys of their sources beats looking each up. */
const WHOLE_ESTABLISHMENT_KEYS = 2000;

/** The stored source keys among `wanted`, with the record ids they designate in the establishment. */
async function storedSourceKeys(
  trx: Transaction<Database>,
  uai: string,
  wanted: { entity: string; source: string; sourceId: string }[],
): Promise<{ entity: string; source: string; source_id: string; record_id: string }[]> {
  if (wanted.length >= WHOLE_ESTABLISHMENT_KEYS) {
    // An import's batch is the establishment's whole roster from its source: one range scan, no per-key probes.
    const wantedKeys = new Set(wanted.map((k) => keyOf(k.entity, k.source, k.sourceId)));
    const rows = await trx.selectFrom('source_key').select(['entity', 'source', 'source_id', 'record_id'])
      .where('uai', '=', uai).where('source', 'in', [...new Set(wanted.map((k) => k.source))]).execute();
    return rows.filter((row) => wantedKeys.has(keyOf(row.entity, row.source, row.source_id)));
  }
  // Keys go as one JSON document joined to the table: one plan whatever their number (a long OR is planned slowly).
  const { rows } = await sql<{ entity: string; source: string; source_id: string; record_id: string }>`
    select k.entity, k.source, k.source_id, k.record_id
    from json_to_recordset(${jsonForPostgres(wanted)}::json) as w(entity text, source text, "sourceId" text)
    join source_key k on k.uai = ${uai} and k.entity = w.entity and k.source = w.source and k.source_id = w."sourceId"`.execute(trx);
  return rows;
}

async function checkReferences(
  trx: Transaction<Database>,
  uai: string,
  plan: Planned[],
  problem: (index: number, pointer: string, detail: string) => void,
  refusals: Refusals,
): Promise<void> {
  // What the batch itself leaves behind, then what the store holds for the rest.
  const inBatch = new Map<string, { entity: string; kind: string | null; active: boolean }>();
  for (const p of plan) {
    inBatch.set(p.id, { entity: p.operation.entity, kind: kindOf(p.operation.entity, p.data), active: p.operation.op === 'upsert' });
  }
  const wanted = new Set<string>();
  for (const p of plan) {
    if (p.operation.op !== 'upsert') continue;
    for (const ref of REFERENCES[p.operation.entity] ?? []) {
      for (const target of linkedIds(p.data[ref.field])) if (!inBatch.has(target)) wanted.add(target);
    }
  }
  const stored = new Map<string, { entity: string; kind: string | null; active: boolean }>();
  for (const chunk of chunks([...wanted], 10_000)) {
    const rows = await trx.selectFrom('roster_record').select(['id', 'entity', 'kind', 'status']).where('uai', '=', uai).where(sql<boolean>`id = any(${chunk}::uuid[])`).execute();
    for (const row of rows) stored.set(row.id, { entity: row.entity, kind: row.kind, active: row.status === 'active' });
  }
  for (const p of plan) {
    if (p.operation.op !== 'upsert') continue;
    for (const ref of REFERENCES[p.operation.entity] ?? []) {
      // An optional array of ids (subjectIds) may be absent; a single link is required by the schema.
      const targetIds = ref.many ? linkedIds(p.data[ref.field]) : [p.data[ref.field] as string];
      for (const [i, targetId] of targetIds.entries()) {
        const target = inBatch.get(targetId) ?? stored.get(targetId);
        const expected = ref.kind ? `a ${ref.kind}` : `a ${ref.entity}`;
        const pointer = `/record/${ref.field}${ref.many ? `/${i}` : ''}`;
        if (!target && refusals.hasId(targetId)) {
          refusals.leaveOut(p.index, p.operation);
        } else if (!target || target.entity !== ref.entity || !target.active) {
          problem(p.index, pointer, `must be the id of ${expected} of establishment ${uai} (no such active record)`);
        } else if (ref.kind && target.kind !== ref.kind) {
          problem(p.index, pointer, `must be the id of ${expected}, not of a ${target.kind ?? target.entity}`);
        }
      }
    }
  }
}

async function writePlan(trx: Transaction<Database>, uai: string, changed: Planned[]): Promise<void> {
  // Everything that carries no sequence number is prepared and written before the counter is taken: from
  // then on, every other writer waits for this transaction to commit. So the rows are first staged in a
  // temporary table (parsed, converted to jsonb, rendered), and the counter's holder only copies them over.
  const now = new Date();
  await sql`
    create temporary table staged_record (
      position int not null, created boolean not null, id uuid not null, entity text not null, kind text, status text not null,
      source_ids jsonb not null, data jsonb not null, body text not null, body_minimal text
    ) on commit drop`.execute(trx);
  // Rows go as one JSON document per chunk, unpacked by json_to_recordset: the statement's text and plan stay
  // the same whatever the number of rows, and one JSON text is cheaper to build and to parse than a multi-row
  // VALUES list or per-column arrays (measured: about a third faster than unnest).
  for (const chunk of chunks(changed.map((p, position) => ({ p, position })), 5000)) {
    const json = jsonForPostgres(chunk.map(({ p, position }) => {
      const deleted = p.outcome === 'deleted';
      // A tombstone's renderings hold its envelope only (shown_data); its stored data stays.
      const minimal = minimalParts(p.sourceIds, deleted ? {} : p.data, IDENTIFYING_FIELDS[p.operation.entity]);
      return {
        position,
        created: p.outcome === 'created',
        id: p.id,
        entity: p.operation.entity,
        kind: kindOf(p.operation.entity, p.data),
        status: deleted ? 'deleted' : 'active',
        source_ids: p.sourceIds,
        data: p.data,
        shown_data: deleted ? {} : null,
        minimal_source_ids: minimal?.sourceIds ?? null,
        minimal_data: minimal?.data ?? null,
      };
    }));
    const rendered = (sourceIds: RawBuilder<unknown>, data: RawBuilder<unknown>) =>
      renderedInDatabase({ id: sql`r.id`, uai, status: sql`r.status`, updatedAt: now, sourceIds, data });
    await sql`
      insert into staged_record
      select r.position, r.created, r.id, r.entity, r.kind, r.status, r.source_ids::jsonb, r.data::jsonb,
        ${rendered(sql`r.source_ids`, sql`coalesce(r.shown_data, r.data)`)},
        case when r.minimal_data is null then null else ${rendered(sql`r.minimal_source_ids`, sql`r.minimal_data`)} end
      from json_to_recordset(${json}::json)
        as r(position int, created boolean, id uuid, entity text, kind text, status text, source_ids json, data json, shown_data json, minimal_source_ids json, minimal_data json)`.execute(trx);
  }
  // A new record's keys are new (planning matched every stored one, and the establishment is locked): plain
  // inserts, at about half the cost of ON CONFLICT's speculative insertion, which only a stored record's
  // keys need (it may bring one more source).
  for (const created of [true, false]) {
    await sql`
      insert into source_key (uai, entity, source, source_id, record_id)
      select ${uai}, r.entity, k.key, k.value, r.id from staged_record r, jsonb_each_text(r.source_ids) k
      where r.created = ${created}
      ${created ? sql`` : sql`on conflict do nothing`}`.execute(trx);
  }

  // The counter is taken last: it serialises all writers until this transaction commits.
  const first = String(await reserveSequence(trx, changed.length));
  // New records are plain inserts: an upsert's speculative insertion costs more, for rows that cannot conflict.
  for (const created of [true, false]) {
    await sql`
      insert into roster_record (id, entity, uai, kind, status, source_ids, data, body, body_minimal, updated_at, seq)
      select id, entity, ${uai}, kind, status, source_ids, data, body, body_minimal, ${now}::timestamptz, ${first}::int8 + position
      from staged_record where created = ${created} order by id
      ${created ? sql`` : sql`on conflict (id) do update set
        kind = excluded.kind, status = excluded.status, source_ids = excluded.source_ids, data = excluded.data,
        body = excluded.body, body_minimal = excluded.body_minimal, updated_at = excluded.updated_at, seq = excluded.seq`}`.execute(trx);
  }
  await sql`
    insert into change_log (seq, entity, record_id, uai, op, changed_at)
    select ${first}::int8 + position, entity, id, ${uai}, case status when 'deleted' then 'delete' else 'upsert' end, ${now}::timestamptz
    from staged_record`.execute(trx);
}

/** The records with these ids, in any establishment, without their renderings. */
export async function recordsWithIds(db: Kysely<Database>, ids: string[]): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (const chunk of chunks(ids, 10_000)) out.push(...(await db.selectFrom('roster_record').select(STORED_COLUMNS).where(sql<boolean>`id = any(${chunk}::uuid[])`).execute()));
  return out;
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The active records of an establishment that carry an identifier from `source`: what that source delivered. */
export async function activeRecordsFromSource(
  db: Kysely<Database> | Transaction<Database>,
  uai: string,
  source: string,
): Promise<(RosterRecordRow & { entity: RosterEntity })[]> {
  const rows = await db
    .selectFrom('roster_record')
    .selectAll()
    .where('uai', '=', uai)
    .where('status', '=', 'active')
    .where(sql<boolean>`source_ids ? ${source}`)
    .execute();
  return rows as (RosterRecordRow & { entity: RosterEntity })[];
}
