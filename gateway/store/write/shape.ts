// The checks an operation passes on its own, before the store is read: a known entity and op, the keys to
// match it by, links of the right form, and a record its entity's schema accepts.
import { establishmentRecordEntities, findEntity } from '../../model/registry.js';
import { validateRecord } from '../../model/validate.js';
import type { BatchProblem } from '../write-errors.js';
import type { RecordOperation, SourceRef } from './operations.js';

/** Stand-in ids while a record whose links are given by source id is checked against its schema (distinct: arrays may need unique items). */
const placeholder = (n = 0) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const isSourceRef = (ref: unknown): ref is SourceRef => ref !== null && typeof ref === 'object' &&
  typeof (ref as SourceRef).source === 'string' && typeof (ref as SourceRef).id === 'string' && (ref as SourceRef).source !== '' && (ref as SourceRef).id !== '';

export function checkShape(operation: RecordOperation, index: number, uai: string, lenientIdentifiers: boolean): BatchProblem[] {
  const at = (pointer: string, detail: string): BatchProblem => ({ index, pointer: `/records/${index}${pointer}`, detail });
  const entity = findEntity(operation.entity);
  if (!entity || entity.belongsTo !== 'establishment' || entity.storage.table === 'establishment') {
    const names = establishmentRecordEntities().map((e) => e.name);
    return [at('/entity', `must be one of ${names.join(', ')} (establishments are written with PUT /v1/establishments/{uai})`)];
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
  const references = new Map(entity.references.map((r) => [r.field, r]));
  const linkFields = [...references.keys()];
  const links = operation.links ?? {};
  if (links === null || typeof links !== 'object' || Array.isArray(links)) return [...problems, at('/links', 'must be an object')];
  for (const [field, ref] of Object.entries(links)) {
    const reference = references.get(field);
    if (!reference) {
      problems.push(at(`/links/${field}`, linkFields.length ? `is not a link of a ${operation.entity}; expected ${linkFields.join(' or ')}` : `a ${operation.entity} has no links`));
    } else if (reference.many ? !Array.isArray(ref) || !ref.every(isSourceRef) : !isSourceRef(ref)) {
      const one = '{ "source": "<source name>", "id": "<that source\'s identifier>" }';
      problems.push(at(`/links/${field}`, reference.many ? `must be an array of ${one}` : `must be ${one}`));
    }
  }
  if (operation.op === 'upsert') {
    if (record.status !== undefined && record.status !== 'active') problems.push(at('/record/status', 'must be "active" in an upsert; use op "delete" to delete'));
    const linked = Object.entries(links).filter(([f]) => references.has(f));
    // A link whose own form is wrong has its problem already: its stand-in has the field's form all the same.
    const placeholders = linked.map(([f, ref]) => [f, references.get(f)!.many ? (Array.isArray(ref) ? ref : [ref]).map((_, n) => placeholder(n)) : placeholder()]);
    const checked = linked.length ? { ...record, ...Object.fromEntries(placeholders) } : record;
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
