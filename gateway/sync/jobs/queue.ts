// What runs jobs, seen from the rest of the gateway: a queue that takes job ids in line, and workers that
// hand them to one handler. Two backends share this shape: BullMQ on Redis (separate worker processes) and
// an in-process runner for the embedded default (no Redis).

/** How a handler left a job: `finished` (its record says how) or `busy` (another job holds its lock: later). */
export type HandlerOutcome = 'finished' | 'busy';

export interface Attempt {
  /** 1 for the first run of this submission. */
  number: number;
  /** No retry follows a transient failure of this attempt. */
  last: boolean;
}

/** Runs one job by id. Throws only transient failures, which the backend retries with backoff. */
export type JobHandler = (jobId: string, attempt: Attempt) => Promise<HandlerOutcome>;

export interface JobQueue {
  /** Puts a recorded job in line (again, after a retry or a confirmation). Lower priority numbers run first. */
  enqueue(job: { id: string; priority: number }): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Jobs one worker process runs at once (at least 1). */
  concurrency: number;
}

export const RETRY = {
  attempts: 5,
  /** First backoff; each next one doubles. */
  delayMs: 2000,
} as const;

/** Delay before a job whose lock is taken is looked at again. */
export const BUSY_DELAY_MS = 1000;

/**
 * Small inputs go first: a collège's delta is never stuck behind an académie's complete delivery. Priority 1
 * up to 256 KiB, one more for each doubling beyond.
 */
export function priorityOf(inputBytes: number): number {
  return Math.min(20, 1 + Math.max(0, Math.ceil(Math.log2(Math.max(1, inputBytes) / (256 * 1024)))));
}

/** Jobs past this priority are bulk: they may fill all a worker's slots but one, which stays for small ones. */
export const BULK_PRIORITY = 4;

export function isBulk(priority: number): boolean {
  return priority > BULK_PRIORITY;
}
