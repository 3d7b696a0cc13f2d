// Where an AAF import keeps what it plans until every file is read: operations by structure (`s:`) or by
// establishment (`e:`), and a delta's requests that wait for the store (`deferred`), in temporary files.
import type { ConnectorProblem } from '../../../connectors/kit/problem.js';
import type { DeferredRequest, PlanItem, PlannedOperation } from '../../../connectors/aaf/plan.js';
import { OperationSpool } from '../operation-spool.js';

export type AafSpool = OperationSpool<PlannedOperation | DeferredRequest>;

export const DEFERRED = 'deferred';
export const structureKey = (jointure: string) => `s:${jointure}`;
export const establishmentKey = (uai: string) => `e:${uai}`;

export function openAafSpool(): Promise<AafSpool> {
  return OperationSpool.open<PlannedOperation | DeferredRequest>('passerelle-aaf-');
}

/** Spools what the plan says, in its order; its problems join the delivery's. */
export async function spoolPlanned(spool: AafSpool, problems: ConnectorProblem[], items: Iterable<PlanItem>): Promise<void> {
  for (const item of items) {
    if (item.kind === 'problem') problems.push(item.problem);
    else if (item.kind === 'defer') await spool.add(DEFERRED, item.deferred);
    else await spool.add('structure' in item.to ? structureKey(item.to.structure) : establishmentKey(item.to.establishment), item.operation);
  }
}
