// Links between an establishment's records, as the registry declares them: each must name an active record of
// the right entity (and kind) of the same establishment, stored or written by the same batch.
import { sql, type Transaction } from 'kysely';
import type { Reference } from '../../model/entities/descriptor.js';
import { entityNamed, establishmentRecordEntities, type EntityDescriptor } from '../../model/registry.js';
import type { Database } from '../tables.js';
import { chunks } from './rows.js';
import type { Planned } from './operations.js';

/** The ids a reference field of a record holds (none, one, or several for a `many` reference). */
export function referencedIds(reference: Reference, data: Record<string, unknown>): string[] {
  const value = data[reference.field];
  if (reference.many) return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return typeof value === 'string' ? [value] : [];
}

/** The column the feeds filter on besides links (a person's kind, a membership's role), from the entity's data. */
export function kindOf(entity: EntityDescriptor, data: Record<string, unknown>): string | null {
  const field = entity.storage.columns.kind;
  const value = field === undefined ? undefined : data[field];
  return typeof value === 'string' ? value : null;
}

/**
 * Every id a stored row links to, as an SQL array over its data: what a replacement keeps beside a refused
 * record. Built from every establishment entity's references.
 */
export function linkedIdsSql() {
  const references = establishmentRecordEntities().flatMap((e) => e.references);
  const single = [...new Set(references.filter((r) => !r.many).map((r) => r.field))];
  const many = [...new Set(references.filter((r) => r.many).map((r) => r.field))];
  const singles = sql`array[${sql.join(single.map((field) => sql`data->>${field}`))}]::text[]`;
  return many.reduce(
    (links, field) => sql`${links} || array(select jsonb_array_elements_text(case jsonb_typeof(data->${field}) when 'array' then data->${field} else '[]'::jsonb end))`,
    single.length ? singles : sql`array[]::text[]`,
  );
}

interface Target {
  entity: string;
  kind: string | null;
  active: boolean;
}

/** Checks every reference of the plan's upserts; a link to a refused record leaves its record out without a problem. */
export async function checkReferences(
  trx: Transaction<Database>,
  uai: string,
  plan: Planned[],
  problem: (index: number, pointer: string, detail: string) => void,
  refused: { hasId(id: string): boolean; leaveOut(index: number, operation: Planned['operation']): void },
): Promise<void> {
  // What the batch itself leaves behind, then what the store holds for the rest.
  const inBatch = new Map<string, Target>();
  for (const p of plan) {
    inBatch.set(p.id, { entity: p.operation.entity, kind: kindOf(entityNamed(p.operation.entity), p.data), active: p.operation.op === 'upsert' });
  }
  const upserts = plan.filter((p) => p.operation.op === 'upsert');
  // Targets are looked up in the tables of the entities references name.
  const wanted = new Map<EntityDescriptor, Set<string>>();
  for (const p of upserts) {
    for (const reference of entityNamed(p.operation.entity).references) {
      const target = entityNamed(reference.entity);
      for (const id of referencedIds(reference, p.data)) if (!inBatch.has(id)) wanted.set(target, (wanted.get(target) ?? new Set()).add(id));
    }
  }
  const stored = new Map<string, Target>();
  for (const [target, ids] of wanted) {
    const { table, shared } = target.storage;
    const kind = target.storage.columns.kind ? sql`kind` : sql`null`;
    const entity = shared ? sql`entity` : sql`${target.name}`;
    for (const chunk of chunks([...ids], 10_000)) {
      const { rows } = await sql<{ id: string; entity: string; kind: string | null; status: string }>`
        select id, ${entity} as entity, ${kind} as kind, status from ${sql.table(table)}
        where uai = ${uai} and id = any(${chunk}::uuid[])`.execute(trx);
      for (const row of rows) stored.set(row.id, { entity: row.entity, kind: row.kind, active: row.status === 'active' });
    }
  }
  for (const p of upserts) {
    for (const reference of entityNamed(p.operation.entity).references) {
      const ids = referencedIds(reference, p.data);
      ids.forEach((targetId, position) => {
        const pointer = `/record/${reference.field}${reference.many ? `/${position}` : ''}`;
        const target = inBatch.get(targetId) ?? stored.get(targetId);
        const expected = reference.kind ? `a ${reference.kind}` : `a ${reference.entity}`;
        if (!target && refused.hasId(targetId)) {
          refused.leaveOut(p.index, p.operation);
        } else if (!target || target.entity !== reference.entity || !target.active) {
          problem(p.index, pointer, `must be the id of ${expected} of establishment ${uai} (no such active record)`);
        } else if (reference.kind && target.kind !== reference.kind) {
          problem(p.index, pointer, `must be the id of ${expected}, not of a ${target.kind ?? target.entity}`);
        }
      });
    }
  }
}
