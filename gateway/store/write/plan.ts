// Planning a batch: which stored record each operation designates (by id, by INE for people, by source ids),
// what its links resolve to, and what writing it would do. Every problem is collected, so that one answer
// lists them all; a record that links to a refused one is left out without a problem of its own.
import { sql, type Transaction } from 'kysely';
import { entityNamed } from '../../model/registry.js';
import { jsonEqual } from '../json-equal.js';
import { jsonForPostgres } from '../record-shape.js';
import { newRecordId } from '../record-id.js';
import type { Database } from '../tables.js';
import type { BatchProblem } from '../write-errors.js';
import type { Planned, RecordOperation, SourceRef, StoredRecord } from './operations.js';
import { checkReferences } from './references.js';
import { chunks } from './rows.js';
import { recordsWithIds } from './stored.js';

/** Fields the gateway owns: accepted on input for convenience, never stored in `data`. */
export const ENVELOPE = new Set(['id', 'uai', 'sourceIds', 'status', 'updatedAt']);

/** One string for a source key of the establishment, to look it up in maps. */
const keyOf = (entity: string, source: string, sourceId: string) => `${entity}\u0000${source}\u0000${sourceId}`;

/** The entity a link field of an entity points at. */
const linkTarget = (entity: string, field: string) => entityNamed(entity).references.find((r) => r.field === field)!.entity;

const refsOf = (ref: SourceRef | SourceRef[]): SourceRef[] => (Array.isArray(ref) ? ref : [ref]);

/** The records a batch refuses, by gateway id and source key. */
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

/** The people of the establishment with these INEs (matched on INE first, whatever source describes them). */
async function peopleByIne(trx: Transaction<Database>, uai: string, ines: string[]): Promise<Map<string, string>> {
  const byIne = new Map<string, string>();
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
  return byIne;
}

export async function planBatch(
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
    ...Object.entries(operation.links ?? {}).flatMap(([field, ref]) =>
      refsOf(ref).map((r) => ({ entity: linkTarget(operation.entity, field), source: r.source, sourceId: r.id }))),
  ]);
  for (const row of await storedSourceKeys(trx, uai, wantedKeys)) sourceKeys.set(keyOf(row.entity, row.source, row.source_id), row.record_id);
  // A person is one record whatever the source: matched on INE first (architecture notes).
  const ineKeyed = (operation: RecordOperation) => matchOnIne && entityNamed(operation.entity).matchOnIne && operation.op === 'upsert' &&
    operation.record.id === undefined && typeof operation.record.ine === 'string';
  const byIne = await peopleByIne(trx, uai, operations.filter(({ operation }) => ineKeyed(operation)).map(({ operation }) => operation.record.ine as string));
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
    const ineMatch = id === undefined && ineKeyed(operation) ? byIne.get(record.ine as string) : undefined;
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
    for (const [field, ref] of Object.entries(operation.links ?? {})) {
      const target = linkTarget(operation.entity, field);
      const resolved: string[] = [];
      for (const [position, r] of refsOf(ref).entries()) {
        const key = keyOf(target, r.source, r.id);
        const found = claimedKeys.get(key) ?? sourceKeys.get(key);
        if (found === undefined && refusals.hasKey(key)) {
          refusals.leaveOut(index, operation);
          return;
        }
        if (found === undefined) {
          problem(index, `/links/${field}${Array.isArray(ref) ? `/${position}` : ''}`, `no ${target} of ${uai} has the ${r.source} identifier "${r.id}" (stored, or earlier in the batch)`);
          return;
        }
        resolved.push(found);
      }
      // A field of ids may hold both the ids its writer knows and links to records it knows by source id.
      const given = Array.isArray(ref) && Array.isArray(data[field]) ? (data[field] as string[]) : [];
      // Sorted when the two are merged: which of them a writer knew by id must not change the record.
      data[field] = Array.isArray(ref) ? (given.length ? [...new Set([...given, ...resolved])].sort() : resolved) : resolved[0];
    }
    const unchanged = existing !== undefined && existing.status === 'active' &&
      jsonEqual(existing.data, data) && jsonEqual(existing.source_ids, mergedSourceIds);
    plan.push({ index, operation, existing, id, data, sourceIds: mergedSourceIds, outcome: unchanged ? 'unchanged' : existing ? 'updated' : 'created' });
  });

  await checkReferences(trx, uai, plan, problem, refusals);
  return { plan, problems, dependents: refusals.dependents };
}
