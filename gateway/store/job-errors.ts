// Why the job store refused an operation on a job.
import { GatewayError } from '../errors/gateway-error.js';
import type { SyncJobRow, SyncJobTable } from './tables.js';

type JobState = SyncJobTable['state'];

/** The Idempotency-Key names a job submitted with other parameters. */
export class IdempotencyConflict extends GatewayError {
  constructor(readonly existing: SyncJobRow) {
    super('idempotency-key-reused',
      `the Idempotency-Key was already used for job ${existing.id} with another connector, mode, establishment or body: use a new key for a new request`);
  }
}

/** The job is not in a state the action applies to. */
export class JobStateConflict extends GatewayError {
  constructor(readonly job: SyncJobRow, action: string, allowed: readonly JobState[]) {
    super('conflict', `job ${job.id} is ${job.state}: only a job that is ${allowed.join(' or ')} can be ${action}`);
  }
}
