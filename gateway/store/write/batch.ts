// The write path of an establishment's records: the batch API, connectors and sync jobs all come through here.
// A batch is checked whole first (schemas, identifiers, matching, references) and written in one transaction,
// so an invalid record means nothing is written. Unchanged records are not rewritten: no change-log noise.
import type { Kysely } from 'kysely';
import { entityNamed } from '../../model/registry.js';
import { lockOwner } from '../owner-lock.js';
import { markDaysStale } from '../timetable/occurrence-days.js';
import { rematerialise, staleTimetable } from '../timetable/rematerialise.js';
import type { Database } from '../tables.js';
import { BatchRejected, UnknownEstablishment } from '../write-errors.js';
import type { BatchOptions, BatchResult, Outcome, RecordOperation } from './operations.js';
import { planBatch } from './plan.js';
import { writeRows } from './rows.js';
import { checkShape } from './shape.js';
import { tombstonesFor } from './tombstones.js';

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
    await lockOwner(trx, { uai });
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
    if (changed.length) {
      await writeRows(trx, changed.map((p) => ({
        entity: entityNamed(p.operation.entity), owner: { uai }, id: p.id, created: p.outcome === 'created',
        deleted: p.outcome === 'deleted', sourceIds: p.sourceIds, data: p.data,
      })));
      const stale = staleTimetable(changed);
      if (stale) await rematerialise(trx, uai, stale);
      // A school day's room time counts the establishment's active rooms.
      if (changed.some((p) => p.operation.entity === 'room')) await markDaysStale(trx, uai, 'all');
    }

    const counts: Record<Outcome, number> = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
    for (const p of plan) counts[p.outcome] += 1;
    return {
      results: plan.map((p) => ({ index: p.index, entity: p.operation.entity, op: p.operation.op, id: p.id, outcome: p.outcome })),
      counts,
    };
  });
}
